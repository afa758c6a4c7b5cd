"""Synthetic MIRI ramps with showers of known truth, for the demo, sample data and tests."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from stdatamodels.jwst import datamodels

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED
from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import write_catalog
from napari_showermask.io.paths import check_output
from napari_showermask.io.publish import publish_model
from napari_showermask.synthetic.models import GAIN, GROUP_TIME, READ_NOISE, reference_models
from napari_showermask.synthetic.models import describe as _describe

__all__ = [
    "GROUP_TIME",
    "SyntheticTruth",
    "default_showers",
    "make_ramp",
    "reference_models",
    "write_demo",
    "write_ramp",
]

BIAS = 10000.0  # DN
SATURATION = 60000.0  # DN
SKY = 2.0  # DN/s
DEMO_SHAPE = (2, 30, 256, 256)
DEMO_RAMP = "miri_showers_demo_jump.fits"
DEMO_TRUTH = "miri_showers_demo_truth.ecsv"
KIND_DEFAULTS = {  # amplitude (DN/s at onset), decay (groups), groups of glow before group 0
    "bright": (25.0, 12.0, 0),
    "idle": (12.0, 15.0, 4),
    "faint": (5.0, 25.0, 0),
}


@dataclass(frozen=True)
class SyntheticTruth:
    """What was put into a synthetic ramp.

    Attributes
    ----------
    showers : list of Shower
        Truth catalog; ``extra`` holds ``kind``, ``amplitude`` (DN/s) and ``decay_groups``.
    rate : numpy.ndarray
        ``(ny, nx)`` true source rate in DN/s without showers (sky, star, baits).
    stars : list of (x, y)
    cosmic_rays : list of (integration, group, y, x)
        Ordinary hits, flagged ``JUMP_DET`` in ``GROUPDQ``.
    """

    showers: list[Shower]
    rate: np.ndarray
    stars: list[tuple[float, float]] = field(default_factory=list)
    cosmic_rays: list[tuple[int, int, int, int]] = field(default_factory=list)


def default_showers(shape: tuple[int, int, int, int]) -> list[Shower]:
    """One shower of each kind, placed apart from each other and from the default star.

    Parameters
    ----------
    shape : tuple of int
        ``(nints, ngroups, ny, nx)``.

    Returns
    -------
    list of Shower
    """
    nints, ngroups, ny, nx = shape
    scale = min(ny, nx) / 64
    spots = [
        ("bright", 0, max(1, ngroups // 3), 0.30, 0.68, 7.0, 4.0, 30.0),
        ("idle", nints - 1, 0, 0.70, 0.30, 6.0, 4.5, 120.0),
        ("faint", 0, max(1, ngroups // 2), 0.72, 0.72, 6.5, 5.0, 75.0),
    ]
    showers = []
    for kind, i, g, fx, fy, a, b, theta in spots:
        amplitude, decay, _ = KIND_DEFAULTS[kind]
        extra = {"kind": kind, "amplitude": amplitude, "decay_groups": decay}
        showers.append(Shower(i, g, fx * nx, fy * ny, a * scale, b * scale, theta, extra=extra))
    return showers


def _resolve(shower: Shower, shape: tuple[int, ...]) -> tuple[Shower, float, float, float]:
    """Check a shower; return it with defaults filled, its amplitude, decay and pre-groups."""
    kind = shower.extra.get("kind", "bright")
    if kind not in KIND_DEFAULTS:
        raise ValueError(f"unknown shower kind {kind!r}; expected one of {list(KIND_DEFAULTS)}")
    if shower.integration >= shape[0] or shower.group >= shape[1]:
        raise ValueError(f"shower outside the ramp of shape {shape}: {shower}")
    amplitude, decay, pre = KIND_DEFAULTS[kind]
    extra = {"kind": kind, "amplitude": amplitude, "decay_groups": decay, **shower.extra}
    if float(extra["decay_groups"]) <= 0:
        raise ValueError(f"decay_groups must be > 0: {shower}")
    glow = float(extra.get("pre_groups", pre))
    return shower.moved(extra=extra), float(extra["amplitude"]), float(extra["decay_groups"]), glow


def _scaled(shower: Shower, factor: float) -> Shower:
    """Return the shower with both semi-axes multiplied by ``factor``."""
    return shower.moved(
        semi_major=shower.semi_major * factor, semi_minor=shower.semi_minor * factor
    )


def _footprint(shower: Shower, ny: int, nx: int) -> np.ndarray:
    """Glow profile: 1 at the centre, exp(-1) at the rim, 0 outside the ellipse."""
    yy, xx = np.mgrid[0:ny, 0:nx].astype(np.float64)
    t = math.radians(shower.theta)
    dx, dy = xx - shower.x, yy - shower.y
    q = ((dx * math.cos(t) + dy * math.sin(t)) / shower.semi_major) ** 2
    q += ((-dx * math.sin(t) + dy * math.cos(t)) / shower.semi_minor) ** 2
    return np.where(q <= 1, np.exp(-q), 0.0)


def _source_rate(
    shape_yx: tuple[int, int],
    rng: np.random.Generator,
    n_stars: int,
    bad_column: int | None,
    extended_source: bool,
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Return the true rate without showers (DN/s): sky, stars, baits; and the stars."""
    ny, nx = shape_yx
    yy, xx = np.mgrid[0:ny, 0:nx].astype(np.float64)
    rate = np.full((ny, nx), SKY) + rng.normal(0, 0.1, (ny, nx))
    stars = []
    spots = [(0.28, 0.28), (0.75, 0.55), (0.15, 0.85), (0.5, 0.12)]
    for fx, fy in spots[:n_stars]:
        x, y = fx * nx, fy * ny
        rate += 8000.0 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.3**2))
        stars.append((x, y))
    if extended_source:
        x, y, s = 0.5 * nx, 0.5 * ny, 0.12 * min(nx, ny)
        rate += 15.0 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * s**2))
    if bad_column is not None:
        rate[:, bad_column] += 40.0
    return rate, stars


def make_ramp(
    shape: tuple[int, ...] = (2, 20, 64, 64),
    showers: list[Shower] | None = None,
    seed: int = 0,
    *,
    n_stars: int = 1,
    n_cosmic_rays: int = 8,
    bad_column: int | None = None,
    extended_source: bool = False,
) -> tuple[datamodels.RampModel, SyntheticTruth]:
    """Build a synthetic MIRI ramp in memory.

    MIRI FULL-array timing (FASTR1, 2.775 s a group), bias ~10000 DN, Poisson source
    noise (3.1 e-/DN), 10 DN read noise per group, ``DO_NOT_USE`` on the first and last
    group, stars saturating at 60000 DN (``SATURATED``), cosmic rays flagged ``JUMP_DET``,
    and showers: a glow inside the ellipse (pixel-centre test), none outside, decaying
    exponentially with the group number. ``bright``: plus an 800-2000 DN primary hit on
    the central pixels at the first group, flagged ``JUMP_DET``; ``idle``: began
    ``pre_groups`` before group 0 (group 0, no hit); ``faint``: no primary hit.

    Parameters
    ----------
    shape : tuple of int
        ``(nints, ngroups, ny, nx)``.
    showers : list of Shower, optional
        Defaults to `default_showers`. ``extra`` may set ``kind`` (``bright``, ``idle``,
        ``faint``), ``amplitude`` (DN/s), ``decay_groups`` and ``pre_groups`` (groups of
        glow before group 0, for idle showers); missing values take the kind's defaults.
        ``flash_scale`` (> 1) adds, in the shower's first group only, an unflagged glow
        over the ellipse scaled by that factor, of ``flash_amplitude`` DN/s (default 4
        times ``amplitude``): a bright shower is much larger in its first frame.
    seed : int
        Seed of the random generator: the same seed gives the same ramp.
    n_stars : int
        Saturating stars (bait for detection), at most 4.
    n_cosmic_rays : int
        Ordinary single-pixel hits, flagged ``JUMP_DET`` at their group.
    bad_column : int, optional
        A column with a constant excess rate (bait).
    extended_source : bool
        Add a broad, faint galaxy-like source (bait).

    Returns
    -------
    (RampModel, SyntheticTruth)
        The truth's showers have ``kind``, ``amplitude`` and ``decay_groups`` filled in.

    Raises
    ------
    ValueError
        A bad shape, an unknown kind, a shower outside the ramp, or a bait out of range.
    """
    shape = tuple(int(n) for n in shape)
    if len(shape) != 4 or min(shape) < 1 or shape[1] < 3:
        raise ValueError(f"shape must be (nints, ngroups >= 3, ny, nx), not {shape}")
    nints, ngroups, ny, nx = shape
    if not 0 <= n_stars <= 4:
        raise ValueError(f"n_stars must be 0 to 4, not {n_stars}")
    if bad_column is not None and not 0 <= bad_column < nx:
        raise ValueError(f"bad_column {bad_column} is outside 0..{nx - 1}")
    rng = np.random.default_rng(seed)
    showers = default_showers(shape) if showers is None else list(showers)
    resolved = [_resolve(s, shape) for s in showers]
    showers = [r[0] for r in resolved]
    rate, stars = _source_rate((ny, nx), rng, n_stars, bad_column, extended_source)
    data = np.empty(shape, np.float32)
    groupdq = np.zeros(shape, np.uint8)
    cosmic_rays = []
    glow_shapes = [_footprint(s, ny, nx) for s in showers]
    for i in range(nints):
        charge = np.zeros((ny, nx))  # DN above bias
        bias = BIAS + rng.normal(0, 5, (ny, nx))
        for g in range(ngroups):
            signal = rate.copy()
            for (shower, amplitude, decay, pre), glow in zip(resolved, glow_shapes, strict=True):
                if shower.integration != i:
                    continue
                age = g - shower.group + pre
                if g >= shower.group and g > 0 or (g == 0 and shower.group == 0 and pre > 0):
                    signal += glow * amplitude * math.exp(-age / decay)
                if shower.extra.get("flash_scale") and g == shower.group and g > 0:
                    # the first group only: a wider, unflagged glow around the shower
                    flash = _footprint(_scaled(shower, float(shower.extra["flash_scale"])), ny, nx)
                    signal += flash * float(shower.extra.get("flash_amplitude", 4 * amplitude))
                if shower.extra["kind"] == "bright" and g == shower.group and g > 0:
                    # the primary hit, on the central pixels (at least the brightest one)
                    core = glow > min(math.exp(-0.15), 0.999 * glow.max())
                    charge += np.where(core, rng.uniform(800, 2000), 0.0)
                    groupdq[i, g][core] |= JUMP_DET
            electrons = np.clip(signal, 0, None) * GROUP_TIME * GAIN
            charge += rng.poisson(electrons) / GAIN
            data[i, g] = bias + charge + rng.normal(0, READ_NOISE, (ny, nx))
    for _ in range(n_cosmic_rays):
        i, g = int(rng.integers(nints)), int(rng.integers(1, ngroups - 1))
        y, x = int(rng.integers(2, ny - 2)), int(rng.integers(2, nx - 2))
        data[i, g:, y, x] += rng.uniform(300, 3000)
        groupdq[i, g, y, x] |= JUMP_DET
        cosmic_rays.append((i, g, y, x))
    saturated = data >= SATURATION
    saturated = np.maximum.accumulate(saturated, axis=1)
    data[saturated] = SATURATION
    groupdq[saturated] |= SATURATED
    groupdq[:, 0] |= DO_NOT_USE
    groupdq[:, -1] |= DO_NOT_USE
    model = datamodels.RampModel(data=data, groupdq=groupdq, pixeldq=np.zeros((ny, nx), np.uint32))
    _describe(model, shape)
    truth = SyntheticTruth(showers, rate.astype(np.float32), stars, cosmic_rays)
    return model, truth


def write_ramp(
    path: str | os.PathLike[str],
    shape: tuple[int, ...] = (2, 20, 64, 64),
    showers: list[Shower] | None = None,
    seed: int = 0,
    overwrite: bool = True,
    **kwargs: Any,
) -> tuple[Path, SyntheticTruth]:
    """Write a synthetic ramp with `make_ramp`: complete or not at all (`publish_model`).

    Parameters
    ----------
    path : str or path-like
        A ``.fits`` name, e.g. ``..._jump.fits``.
    shape, showers, seed, **kwargs
        As for `make_ramp`.
    overwrite : bool
        Replace an earlier file (otherwise one is an error).

    Returns
    -------
    (pathlib.Path, SyntheticTruth)
    """
    model, truth = make_ramp(shape, showers, seed, **kwargs)
    publish_model(model, path, overwrite=overwrite)
    model.close()
    return Path(path), truth


def write_demo(directory: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write the demo ramp and its truth catalog into a directory.

    Writes ``miri_showers_demo_jump.fits`` (2 x 30 x 256 x 256) and
    ``miri_showers_demo_truth.ecsv``.

    Parameters
    ----------
    directory : str or path-like
        An existing directory.
    overwrite : bool
        Replace earlier copies (an edited truth catalog among them); otherwise an
        existing one is an error and nothing is written.

    Returns
    -------
    pathlib.Path
        The ramp's path.

    Raises
    ------
    ShowerMaskError
        A file exists (without ``overwrite``) or cannot be written.
    """
    directory = Path(directory)
    ramp, catalog = directory / DEMO_RAMP, directory / DEMO_TRUTH
    for target in (ramp, catalog):  # both, before either is written
        check_output(target, overwrite=overwrite)
    path, truth = write_ramp(ramp, DEMO_SHAPE, seed=2026, overwrite=overwrite)
    write_catalog(truth.showers, catalog, overwrite=overwrite, inputs=[ramp])
    return path
