"""Detection speed on a full-frame ramp (2 x 120 x 1024 x 1032), against reading it and JumpStep.

Each run is a fresh process that opens the ramp and runs ``detect_showers`` on it (what
``showermask detect`` does, imports included). It reports the wall time, the CPU time of
the whole process (less sensitive to other load on the machine than the wall time), the
peak RSS, and the floor measured afterwards in the same process: the CPU time of reading
the file's SCI and GROUPDQ bytes (``os.pread``) and one byte swap of SCI into native
floats, warm (the page cache holds the file), the fastest of three. The ratio ``detect
CPU / floor CPU`` is the figure to compare across machines and loads (target <= 6, peak
RSS <= 350 MB). Medians of ``--repeat`` runs (default 3).

JumpStep's time with find_showers=True is measured on a cropped copy of the same data (a
256 x 258 corner: the full frame needs many GB in JumpStep), scaled by area to the full
frame.

With ``--baseline MODULE`` (an importable module with a ``detect_showers``, e.g. a copy of an
earlier version) or ``--compare SRC`` (the ``src`` of another checkout, e.g. a ``git
worktree`` of an earlier commit), both run on the same file, interleaved, in fresh
processes, and the ratios are printed. ``--profile`` prints cProfile's top functions of
one run with one worker thread (cProfile sees the calling thread only).

Usage: python benchmarks/bench_detection.py [RAMP.fits] [--repeat N] [--baseline MODULE]
       [--compare SRC] [--no-jump] [--profile]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CRDS_PATH", tempfile.mkdtemp(prefix="crds_"))
os.environ.setdefault("CRDS_SERVER_URL", "http://127.0.0.1:9")

from bigramp import big_ramp  # noqa: E402

DETECT = """
import importlib, os, resource, sys, time
import numpy as np
from astropy.io import fits
from napari_showermask.core.products import open_product
detect_showers = importlib.import_module(sys.argv[2]).detect_showers
start = time.perf_counter()
with open_product(sys.argv[1]) as product:
    found = detect_showers(product)
elapsed = time.perf_counter() - start
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
with fits.open(sys.argv[1]) as hdul:
    spans = [
        (hdul[n].fileinfo()["datLoc"], abs(hdul[n].header["BITPIX"]) // 8 * hdul[n].data.size)
        for n in ("SCI", "GROUPDQ")
    ]
floor = []
for _ in range(4):  # the first warms the page cache; the fastest of the others
    begin = time.process_time()
    fd = os.open(sys.argv[1], os.O_RDONLY)
    sci, groupdq = (os.pread(fd, size, offset) for offset, size in spans)
    os.close(fd)
    np.frombuffer(sci, ">f4").astype(np.float32)
    floor.append(time.process_time() - begin)
    del sci, groupdq
print(elapsed, peak, len(found), cpu, min(floor[1:]))
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


TARGET_RATIO, TARGET_PEAK_MB = 6.0, 350.0
PROFILE = """
import cProfile, pstats, sys
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import detect_showers
profiler = cProfile.Profile()
with open_product(sys.argv[1]) as product:
    profiler.enable()
    detect_showers(product, workers=1)
    profiler.disable()
pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
"""


def detect_run(ramp: Path, module: str, src: Path | None = None) -> dict[str, float]:
    """Run ``module.detect_showers`` on the ramp in a fresh process; return its figures."""
    path = ([str(src)] if src else []) + sys.path
    out = subprocess.run(
        [sys.executable, "-c", DETECT, str(ramp), module],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(path)},
    )
    values = [float(v) for v in out.stdout.split()]
    run = dict(zip(("seconds", "peak", "found", "cpu", "floor"), values, strict=True))
    run["ratio"] = run["cpu"] / run["floor"]
    return run


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ramp", nargs="?", type=Path, help="default: built under _data/")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="MODULE", help="compare MODULE.detect_showers")
    parser.add_argument("--compare", type=Path, metavar="SRC", help="another checkout's src")
    parser.add_argument("--no-jump", action="store_true", help="skip JumpStep")
    parser.add_argument("--profile", action="store_true", help="cProfile of one run")
    args = parser.parse_args()
    ramp = big_ramp(args.ramp)
    detector = "napari_showermask.detect.detector"
    cases: dict[str, tuple[str, Path | None]] = {"showermask detect": (detector, None)}
    if args.baseline:
        cases["baseline detect"] = (args.baseline, None)
    if args.compare:
        cases["compared detect"] = (detector, args.compare.resolve())
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved, so that all see the same machine load
        for name, (module, src) in cases.items():
            runs[name].append(detect_run(ramp, module, src))
    size = ramp.stat().st_size / 1e9
    print(f"file: {ramp} ({size:.2f} GB), 2 x 120 x 1024 x 1032; medians of {args.repeat} runs")
    print(f"{'':20}{'wall s':>8}{'CPU s':>8}{'floor s':>9}{'CPU/floor':>11}{'peak MB':>9}  found")
    medians = {}
    for name, done in runs.items():
        med = medians[name] = {key: statistics.median(r[key] for r in done) for key in done[0]}
        ratios = ", ".join(f"{r['ratio']:.1f}" for r in done)
        print(
            f"{name:20}{med['seconds']:8.1f}{med['cpu']:8.1f}{med['floor']:9.2f}"
            f"{med['ratio']:11.2f}{med['peak']:9.0f}  {med['found']:.0f}   (ratios {ratios})"
        )
    print(f"targets: CPU / floor <= {TARGET_RATIO:.0f}, peak RSS <= {TARGET_PEAK_MB:.0f} MB")
    ours = medians["showermask detect"]
    for name in list(medians)[1:]:
        other = medians[name]
        print(
            f"detect / {name.split()[0]:11}{ours['seconds'] / other['seconds']:7.2f} time,"
            f" {ours['ratio'] / other['ratio']:.2f} CPU / floor,"
            f" {ours['peak'] / other['peak']:.2f} peak RSS"
        )
    if not args.no_jump:
        jump_s, fraction = jump_time(ramp)
        jump_full = jump_s / fraction
        print(f"JumpStep, find_showers  {jump_s:7.1f} s on a {fraction:.3f} crop (median of 3)")
        print(f"  scaled to full frame  {jump_full:7.0f} s")
        print(f"detect / JumpStep       {ours['seconds'] / jump_full:7.3f}")
    if args.profile:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        subprocess.run([sys.executable, "-c", PROFILE, str(ramp)], check=True, env=env)


if __name__ == "__main__":
    main()
