"""A small observing program: synthetic ramps and a rate product, each with its sidecar."""

from __future__ import annotations

from pathlib import Path

from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import read_catalog, write_catalog
from napari_showermask.io.paths import sidecar_path
from napari_showermask.synthetic.demo import write_ramp
from support.files import write_product

SHAPE = (2, 20, 64, 64)


def make_program(directory: Path, ramps: int = 3) -> tuple[list[Path], Path]:
    """Write ``ramps`` synthetic ramps and a rate product, each with its sidecar catalog,
    and a truncated ramp (third in the list). Returns (inputs in order, the bad one)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(ramps):
        path, truth = write_ramp(directory / f"e{seed}_jump.fits", SHAPE, seed=seed)
        write_catalog(truth.showers, sidecar_path(path))
        paths.append(path)
    rate = write_product(directory / "r_rate.fits", "rate", (16, 20))
    write_catalog([Shower(0, 0, 8.0, 7.0, 4.0, 2.5, 20.0)], sidecar_path(rate))
    bad = directory / "cut_jump.fits"
    bad.write_bytes(paths[0].read_bytes()[:60000])
    write_catalog(read_catalog(sidecar_path(paths[0])), sidecar_path(bad))
    return [*paths[:2], bad, *paths[2:], rate], bad
