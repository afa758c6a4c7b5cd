"""Benchmark `showermask apply` on a >= 1 GB full-frame ramp against `cp`, plus frame access.

Reports, in one run, medians of repeated runs (alternating, same page-cache state):
- `showermask apply` wall time as a ratio to `cp` of the same file (target <= 1.5x);
- peak RSS of the apply process (target <= 400 MB);
- time to fetch one difference frame with `open_product` (target < 20 ms), against a naive
  baseline that loads SCI and differences the whole cube eagerly (its time and peak RSS).

With ``--compare SRC`` (the ``src`` directory of another checkout, e.g. a ``git worktree``
of an earlier commit) the same apply is also timed with that code, alternating, so a
change is judged against its predecessor in one run. With ``--checksums`` the ramp is
also rewritten with CHECKSUM/DATASUM cards (as archive products have) and timed too.

Usage: python benchmarks/bench_apply.py [RAMP.fits] [--repeat N] [--compare SRC] [--checksums]
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

from bigramp import big_catalog, big_ramp

MEASURE = """
import sys, time
{setup}
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
# VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(f"{{elapsed:.6f}} {{peak:.1f}}")
"""

APPLY_SETUP = """
from napari_showermask.cli import main
import napari_showermask as sm  # the same public names in every version
sm.read_catalog, sm.write_masked
"""
APPLY = """
rc = main(["apply", sys.argv[1], "--showers", sys.argv[2], "-o", sys.argv[3]])
assert rc == 0
"""

FRAME = """
import numpy as np
from napari_showermask.core.products import open_product
times = []
with open_product(sys.argv[1]) as product:
    rng = np.random.default_rng(0)
    for _ in range(30):
        i, g = int(rng.integers(product.nints)), int(rng.integers(1, product.ngroups))
        t0 = time.perf_counter(); frame = product.difference((i, g))
        times.append(time.perf_counter() - t0)
print("frame_median_ms", 1000 * float(np.median(times)), file=sys.stderr)
"""

NAIVE = """
import numpy as np
from astropy.io import fits
with fits.open(sys.argv[1]) as hdul:
    sci = np.asarray(hdul["SCI"].data, dtype=np.float32)
    diff = np.diff(sci, axis=1)
    frame = diff[1, 59]
"""


def measure(
    body: str, *args: str, setup: str = "", src: Path | None = None
) -> tuple[float, float, str]:
    """Run ``setup`` then ``body`` in a fresh interpreter (with ``src`` first on the path).

    Returns (seconds spent in ``body``, peak RSS MB of the process, stderr).
    """
    script = MEASURE.format(setup=setup, body=body)
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, env=env
    )
    seconds, peak = map(float, done.stdout.split()[-2:])
    return seconds, peak, done.stderr


def timed(command: list[str]) -> float:
    """Wall time of one command."""
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def apply_run(ramp: Path, catalog: Path, out: Path, src: Path | None = None) -> tuple:
    """One apply in a fresh process: (wall s, work s, peak MB); the output is removed."""
    start = time.perf_counter()
    seconds, peak, _ = measure(
        APPLY, str(ramp), str(catalog), str(out), setup=APPLY_SETUP, src=src
    )
    wall = time.perf_counter() - start
    out.unlink()  # like cp's, each output is a new file
    return wall, seconds, peak


def with_checksums(ramp: Path, target: Path) -> Path:
    """Rewrite the ramp with CHECKSUM/DATASUM cards in every HDU (once)."""
    if not target.exists():
        from astropy.io import fits

        partial = target.with_suffix(".partial")
        with fits.open(ramp, memmap=True, do_not_scale_image_data=True) as hdul:
            hdul.writeto(partial, checksum=True, overwrite=True)
        partial.replace(target)
    return target


def report(name: str, runs: list[tuple], cp_med: float) -> None:
    """Print the medians of apply runs against cp."""
    wall = statistics.median(r[0] for r in runs)
    work = statistics.median(r[1] for r in runs)
    peak = statistics.median(r[2] for r in runs)
    print(f"{name:26s}{wall:7.2f} s  ratio to cp {wall / cp_med:5.2f} x   ", end="")
    print(f"work {work:5.2f} s = {work / cp_med:4.2f} x cp   peak RSS {peak:4.0f} MB")


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ramp", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, metavar="SRC", help="another checkout's src")
    parser.add_argument("--checksums", action="store_true", help="also a checksummed input")
    args = parser.parse_args()
    ramp = big_ramp(args.ramp)
    size = ramp.stat().st_size / 1e9
    summed = (
        with_checksums(ramp, ramp.with_name("bench_full_sums_jump.fits"))
        if (args.checksums)
        else None
    )
    runs: dict[str, list] = {"apply": [], "apply (compared src)": [], "apply, checksummed": []}
    with tempfile.TemporaryDirectory(dir=ramp.parent) as scratch:
        scratch = Path(scratch)
        catalog = big_catalog(scratch / "showers.ecsv")
        out, copy = scratch / "masked.fits", scratch / "copy.fits"
        cp_times = []
        for _ in range(args.repeat):
            cp_times.append(timed(["cp", str(ramp), str(copy)]))
            copy.unlink()
            runs["apply"].append(apply_run(ramp, catalog, out))
            if args.compare:
                runs["apply (compared src)"].append(apply_run(ramp, catalog, out, args.compare))
            if summed:
                runs["apply, checksummed"].append(apply_run(summed, catalog, out))
        frame_s, frame_peak, frame_err = measure(FRAME, str(ramp))
        naive_s, naive_peak, _ = measure(NAIVE, str(ramp))
    cp_med = statistics.median(cp_times)
    print(f"file: {ramp} ({size:.2f} GB), {args.repeat} runs each, alternating, medians")
    print(f"cp                        {cp_med:7.2f} s")
    for name, done in runs.items():
        if done:
            report(name, done, cp_med)
    print("  (wall - work = Python start-up and imports; target: apply <= 1.5 x cp)")
    frame_ms = float(frame_err.split("frame_median_ms")[-1])
    print(f"one difference frame      {frame_ms:7.2f} ms  (target < 20)")
    print(f"  peak RSS                {frame_peak:7.0f} MB")
    print(f"naive eager difference    {naive_s * 1000:7.0f} ms  (peak RSS {naive_peak:.0f} MB)")
    print(f"naive / lazy frame        {naive_s * 1000 / frame_ms:7.0f} x")


if __name__ == "__main__":
    main()
