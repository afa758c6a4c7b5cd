"""Build (once) a full-frame MIRI-sized ramp for the benchmarks: 2 x 120 x 1024 x 1032.

SCI is 1.01 GB, GROUPDQ 0.25 GB. The file is written through stdatamodels, so it has the
real RampModel layout; it is cached under benchmarks/_data/ (ignored by git). With
``cosmic=True`` (``--cosmic``) the ramps also have cosmic rays (a jump flagged JUMP_DET on
~4% of the pixels, a second one on ~0.2%) and saturating stars (~0.3% of the pixels,
SATURATED from the group they reach 60000 DN on), as a MIRI full frame has.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask import Shower, write_catalog

SHAPE = (2, 120, 1024, 1032)
DATA = Path(__file__).resolve().parent / "_data"


def big_ramp(
    path: Path | None = None, shape: tuple[int, ...] = SHAPE, cosmic: bool = False
) -> Path:
    """Return the path of the big ramp, writing it first if it does not exist."""
    name = "bench_full_cosmic_jump.fits" if cosmic else "bench_full_jump.fits"
    path = Path(path) if path else DATA / name
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    nints, ngroups, ny, nx = shape
    rng = np.random.default_rng(42)
    rate = rng.gamma(2.0, 5.0, (ny, nx)).astype(np.float32)
    if cosmic:
        stars = rng.random((ny, nx)) < 0.003
        rate[stars] = rng.uniform(200, 3000, stars.sum())
    data = np.empty(shape, np.float32)
    groupdq = np.zeros(shape, np.uint8)
    for i in range(nints):
        level = np.full((ny, nx), 10000.0, np.float32)
        for g in range(ngroups):
            level += rate * 2.775
            if cosmic and g > 0:
                hits = rng.random((ny, nx)) < 0.042 / ngroups
                level[hits] += rng.uniform(50, 2000, hits.sum()).astype(np.float32)
                groupdq[i, g][hits] |= dqflags.group["JUMP_DET"]
            data[i, g] = level + rng.normal(0, 10, (ny, nx)).astype(np.float32)
            if cosmic:
                full = level > 60000
                data[i, g][full] = 60000
                groupdq[i, g][full] |= dqflags.group["SATURATED"]
    groupdq[:, 0] |= dqflags.group["DO_NOT_USE"]
    groupdq[:, -1] |= dqflags.group["DO_NOT_USE"]
    model = datamodels.RampModel(data=data, groupdq=groupdq, pixeldq=np.zeros((ny, nx), np.uint32))
    model.meta.instrument.name = "MIRI"
    model.meta.instrument.detector = "MIRIMAGE"
    model.meta.exposure.type = "MIR_IMAGE"
    model.meta.exposure.nints, model.meta.exposure.ngroups = nints, ngroups
    model.meta.exposure.group_time = model.meta.exposure.frame_time = 2.775
    temporary = path.with_name("partial_" + path.name)
    model.save(temporary)
    temporary.rename(path)
    return path


def big_catalog(path: Path, shape: tuple[int, ...] = SHAPE, count: int = 40) -> Path:
    """Write a catalog of ``count`` showers spread over the big ramp."""
    rng = np.random.default_rng(7)
    nints, ngroups, ny, nx = shape
    showers = [
        Shower(
            int(rng.integers(nints)),
            int(rng.integers(ngroups - 5)),
            float(rng.uniform(0, nx)),
            float(rng.uniform(0, ny)),
            float(rng.uniform(10, 80)),
            float(rng.uniform(5, 30)),
            float(rng.uniform(0, 180)),
        )
        for _ in range(count)
    ]
    showers = [s.moved(semi_minor=min(s.semi_minor, s.semi_major)) for s in showers]
    return write_catalog(showers, path, overwrite=True)


if __name__ == "__main__":
    paths = [arg for arg in sys.argv[1:] if arg != "--cosmic"]
    print(big_ramp(Path(paths[0]) if paths else None, cosmic="--cosmic" in sys.argv))
