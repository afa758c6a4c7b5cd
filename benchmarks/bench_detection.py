"""Detection speed on a full-frame ramp (2 x 120 x 1024 x 1032), against jwst's JumpStep.

Reports the wall time and peak RSS of `showermask detect` on the big ramp, and JumpStep's
time with find_showers=True on a cropped copy of the same data (a 256 x 258 corner: the
full frame needs many GB in JumpStep), scaled by area to the full frame, and the ratio.

Usage: python benchmarks/bench_detection.py [RAMP.fits]
"""

from __future__ import annotations

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
import sys, time
from napari_showermask.detection import detect_showers
from napari_showermask.products import open_product
start = time.perf_counter()
with open_product(sys.argv[1]) as product:
    found = detect_showers(product)
elapsed = time.perf_counter() - start
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(elapsed, peak, len(found))
"""


def jump_time(ramp: Path, rows: int = 256, cols: int = 258) -> tuple[float, float]:
    """Time JumpStep(find_showers=True) on a corner of the ramp; return (s, area fraction)."""
    import numpy as np
    from astropy.io import fits
    from jwst.jump import JumpStep
    from stdatamodels.jwst import datamodels

    from napari_showermask.synthetic import _describe, reference_models

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


def main() -> None:
    """Run the benchmark and print its report."""
    ramp = big_ramp(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", DETECT, str(ramp)], capture_output=True, text=True, check=True
        )
        runs.append([float(v) for v in out.stdout.split()])
    runs.sort()
    seconds, peak, found = runs[1]
    jump_s, fraction = jump_time(ramp)
    jump_full = jump_s / fraction
    size = ramp.stat().st_size / 1e9
    print(f"file: {ramp} ({size:.2f} GB), 2 x 120 x 1024 x 1032; median of 3 detect runs")
    print(f"showermask detect       {seconds:7.1f} s   (target < 30 s; {found:.0f} candidates)")
    print(f"  peak RSS              {peak:7.0f} MB  (the ramp's SCI alone is 1014 MB)")
    print(f"JumpStep, find_showers  {jump_s:7.1f} s on a {fraction:.3f} crop (median of 3)")
    print(f"  scaled to full frame  {jump_full:7.0f} s")
    print(f"detect / JumpStep       {seconds / jump_full:7.3f}")


if __name__ == "__main__":
    main()
