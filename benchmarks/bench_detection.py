"""Detection speed on a full-frame ramp (2 x 120 x 1024 x 1032), against jwst's JumpStep.

Reports the wall time, CPU time (less sensitive to other load on the machine) and peak
RSS of `showermask detect` on the big ramp, and JumpStep's time with find_showers=True on
a cropped copy of the same data (a 256 x 258 corner: the full frame needs many GB in
JumpStep), scaled by area to the full frame, and the ratio.

With ``--baseline MODULE`` (an importable module with a ``detect_showers``, e.g. a copy of an
earlier version), both run on the same file, interleaved, in fresh processes, and the
ratio is printed.

Usage: python benchmarks/bench_detection.py [RAMP.fits] [--baseline MODULE] [--no-jump]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CRDS_PATH", tempfile.mkdtemp(prefix="crds_"))
os.environ.setdefault("CRDS_SERVER_URL", "http://127.0.0.1:9")

from bigramp import big_ramp  # noqa: E402

DETECT = """
import importlib, resource, sys, time
from napari_showermask.core.products import open_product
detect_showers = importlib.import_module(sys.argv[2]).detect_showers
start = time.perf_counter()
with open_product(sys.argv[1]) as product:
    found = detect_showers(product)
elapsed = time.perf_counter() - start
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
usage = resource.getrusage(resource.RUSAGE_SELF)
print(elapsed, peak, len(found), usage.ru_utime + usage.ru_stime)
"""


def jump_time(ramp: Path, rows: int = 256, cols: int = 258) -> tuple[float, float]:
    """Time JumpStep(find_showers=True) on a corner of the ramp; return (s, area fraction)."""
    import numpy as np
    from astropy.io import fits
    from jwst.jump import JumpStep
    from stdatamodels.jwst import datamodels

    from napari_showermask.synthetic.demo import _describe, reference_models

    with fits.open(ramp, memmap=True) as hdul:
        sci = np.array(hdul["SCI"].section[:, :, :rows, :cols], dtype=np.float32)
        gdq = np.array(hdul["GROUPDQ"].section[:, :, :rows, :cols], dtype=np.uint8)
        full = hdul["SCI"].shape[-2] * hdul["SCI"].shape[-1]
    model = datamodels.RampModel(data=sci, groupdq=gdq, pixeldq=np.zeros((rows, cols), "u4"))
    _describe(model, sci.shape)
    gain, readnoise = reference_models((rows, cols))
    times = []
    for _ in range(3):  # the first run also pays one-off start-up costs
        step = JumpStep(override_gain=gain, override_readnoise=readnoise, find_showers=True)
        start = time.perf_counter()
        step.process(model.copy())
        times.append(time.perf_counter() - start)
    return sorted(times)[1], rows * cols / full


def detect_runs(ramp: Path, module: str, repeats: int = 3) -> list[float]:
    """Run ``module.detect_showers`` on the ramp in fresh processes; return the median run."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", DETECT, str(ramp), module],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        runs.append([float(v) for v in out.stdout.split()])
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ramp", nargs="?", type=Path, help="default: built under _data/")
    parser.add_argument("--baseline", metavar="MODULE", help="compare MODULE.detect_showers")
    parser.add_argument("--no-jump", action="store_true", help="skip JumpStep")
    args = parser.parse_args()
    ramp = big_ramp(args.ramp)
    modules = {"showermask detect": "napari_showermask.detect.detector"}
    if args.baseline:
        modules["baseline detect"] = args.baseline
    order = list(modules) * 3  # interleaved, so that both see the same machine load
    runs: dict[str, list] = {name: [] for name in modules}
    for name in order:
        runs[name].append(detect_runs(ramp, modules[name], repeats=1))
    size = ramp.stat().st_size / 1e9
    print(f"file: {ramp} ({size:.2f} GB), 2 x 120 x 1024 x 1032; median of 3 runs each")
    medians = {}
    for name, values in runs.items():
        values.sort()
        seconds, peak, found, cpu = medians[name] = values[1]
        spread = f"{values[0][0]:.1f}-{values[-1][0]:.1f}"
        print(
            f"{name:22}{seconds:7.1f} s ({spread}), CPU {cpu:5.1f} s, peak RSS {peak:5.0f} MB,"
            f" {found:.0f} found"
        )
    seconds = medians["showermask detect"][0]
    if args.baseline:
        base, base_peak = medians["baseline detect"][:2]
        peak = medians["showermask detect"][1]
        cpu, base_cpu = medians["showermask detect"][3], medians["baseline detect"][3]
        print(
            f"detect / baseline     {seconds / base:7.2f} time, {cpu / base_cpu:.2f} CPU time,"
            f" {peak / base_peak:.2f} peak RSS"
        )
    if not args.no_jump:
        jump_s, fraction = jump_time(ramp)
        jump_full = jump_s / fraction
        print(f"JumpStep, find_showers  {jump_s:7.1f} s on a {fraction:.3f} crop (median of 3)")
        print(f"  scaled to full frame  {jump_full:7.0f} s")
        print(f"detect / JumpStep       {seconds / jump_full:7.3f}")
    print("target: detect < 30 s; the ramp's SCI alone is 1014 MB")


if __name__ == "__main__":
    main()
