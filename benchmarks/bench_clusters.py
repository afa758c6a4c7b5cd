"""Masking many showers: 100k small showers on the demo ramp (clusters of overlapping boxes).

    python benchmarks/bench_clusters.py [N]

Prints the seconds `write_masked` takes; the target is < 10 s for N = 100000.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_showermask.core.shower import Shower
from napari_showermask.io.masked import write_masked
from napari_showermask.synthetic.demo import DEMO_SHAPE, write_ramp


def main(count: int = 100_000) -> float:
    rng = np.random.default_rng(1)
    nints, ngroups, ny, nx = DEMO_SHAPE
    showers = [
        Shower(int(i), int(g), float(x), float(y), float(a), float(a) * 0.7, float(t))
        for i, g, x, y, a, t in zip(
            rng.integers(0, nints, count), rng.integers(1, ngroups, count),
            rng.uniform(2, nx - 2, count), rng.uniform(2, ny - 2, count),
            rng.uniform(1, 4, count), rng.uniform(0, 180, count), strict=True,
        )
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        ramp, _ = write_ramp(Path(directory) / "demo_jump.fits", DEMO_SHAPE, seed=2026)
        start = time.perf_counter()
        write_masked(ramp, showers, Path(directory) / "out.fits")
        return time.perf_counter() - start


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"{n} showers: {main(n):.1f} s")
