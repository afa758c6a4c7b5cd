"""Realistic MIRI scenes: faint lobed showers among stars, cosmic rays and detector residue.

`make_realistic` builds a MIRI imager ramp (FASTR1, 2.775 s a group, any cut-out or the
full 1024 x 1032 array, any number of groups and integrations) from the published facts
in the project's domain notes ("What real MIRI showers look like"), and the truth of what
it put in (`napari_showermask.synthetic.truth`). The numbers and their sources are in the
modules that draw them: `population` (showers), `glow` (their light), `sources` (the
static sky) and `detector_effects` (noise, cosmic rays, residue, saturation).

Timing: integration ``i`` is reset at ``i * (ngroups + 1) * GROUP_TIME`` (one reset frame
between integrations, est.) and group ``g`` is read ``(g + 1) * GROUP_TIME`` later. A
shower adds the charge of its decaying glow between its onset (or the reset, whichever is
later) and each read, so a shower from the idle time or an earlier integration glows at
group 0 with no jump; its flash lands in the first read after its onset, unless a reset
came between.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from stdatamodels.jwst import datamodels

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED
from napari_showermask.core.shower import Shower
from napari_showermask.synthetic import detector_effects as effects
from napari_showermask.synthetic.glow import ShowerLight, light_of
from napari_showermask.synthetic.models import GROUP_TIME, describe, reference_models
from napari_showermask.synthetic.population import ShowerDraw, draw_showers
from napari_showermask.synthetic.sources import draw_sources, source_rate
from napari_showermask.synthetic.truth import Appearance, RealisticTruth, ols_bias

__all__ = ["make_realistic", "realistic_reference_models", "write_realistic"]

Part = tuple[
    int, ShowerDraw, int, int, str, ShowerLight, npt.NDArray[np.float64], npt.NDArray[np.float64]
]


def reset_time(integration: int, ngroups: int) -> float:
    """Seconds from the exposure's first reset to the reset of an integration."""
    return integration * (ngroups + 1) * GROUP_TIME


def _parts(showers: list[ShowerDraw], shape: tuple[int, int, int, int]) -> list[Part]:
    """Each shower's charge curves and onset in each integration it reaches."""
    nints, ngroups, ny, nx = shape
    parts: list[Part] = []
    for k, shower in enumerate(showers):
        light = light_of(shower, (ny, nx))
        if light is None:
            continue
        t0 = shower.onset_time
        for i in range(nints):
            reset = reset_time(i, ngroups)
            reads = reset + GROUP_TIME * np.arange(1, ngroups + 1)
            if t0 >= reads[-1]:
                continue  # begins in a later integration
            start = max(reset, t0)
            glow = np.array([shower.charge(start - t0, r - t0) for r in reads])
            flash = np.where((reads > t0) & (t0 >= reset), shower.flash_charge, 0.0)
            group = max(0, math.floor((t0 - reset) / GROUP_TIME)) if t0 >= reset else 0
            previous_end = reset_time(i - 1, ngroups) + ngroups * GROUP_TIME if i else 0.0
            if t0 >= reset and group >= 1:
                kind = "onset"
            elif t0 >= reset or t0 < 0 or t0 >= previous_end:
                kind = "idle"
            else:
                kind = "carried"
            parts.append((k, shower, i, group, kind, light, glow, flash))
    return parts


def _primary_hits(
    rng: np.random.Generator, showers: list[ShowerDraw], shape: tuple[int, int, int, int]
) -> list[effects.CosmicRay]:
    """Return the primary hits of the showers that begin during an integration's reads."""
    nints, ngroups, ny, nx = shape
    hits = []
    for shower in showers:
        x, y = round(shower.x), round(shower.y)
        if shower.primary <= 0 or not (0 <= x < nx and 0 <= y < ny):
            continue
        for i in range(nints):
            since = shower.onset_time - reset_time(i, ngroups)
            if 0 <= since < ngroups * GROUP_TIME:
                near = [(y, x)] + [
                    (y + dy, x + dx)
                    for dy, dx in ((0, 1), (1, 0), (0, -1), (-1, 0))
                    if rng.random() < 0.4 and 0 <= y + dy < ny and 0 <= x + dx < nx
                ]
                dn = shower.primary / len(near)
                pixels = tuple((py, px, dn) for py, px in near)
                group = math.floor(since / GROUP_TIME)
                flagged = tuple(near) if group >= 1 and dn > effects.JUMP_SIGMA else ()
                hits.append(effects.CosmicRay(i, group, pixels, flagged))
    return hits


def _ramp(
    rng: np.random.Generator,
    shape: tuple[int, int, int, int],
    rate: npt.NDArray[np.float64],
    parts: list[Part],
    hits: list[effects.CosmicRay],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint8]]:
    """Accumulate charge read by read; return SCI and GROUPDQ."""
    nints, ngroups, ny, nx = shape
    data = np.empty(shape, np.float32)
    groupdq = np.zeros(shape, np.uint8)
    bias = effects.BIAS + rng.normal(0, 50, (ny, nx))  # pixel-to-pixel bias (est.)
    for i in range(nints):
        residue = effects.residue_amplitude(rng, (ny, nx), i)
        charge = np.zeros((ny, nx))
        saturated = np.zeros((ny, nx), bool)
        mine = [p for p in parts if p[2] == i]
        for g in range(ngroups):
            expected = rate * GROUP_TIME
            for *_, light, glow, flash in mine:
                y0, y1, x0, x1 = light.box
                before = (glow[g - 1], flash[g - 1]) if g else (0.0, 0.0)
                expected[y0:y1, x0:x1] += (glow[g] - before[0]) * light.glow
                expected[y0:y1, x0:x1] += (flash[g] - before[1]) * light.flash
            electrons = np.clip(expected, 0, None) * effects.GAIN
            charge += rng.poisson(electrons) / effects.GAIN
            for hit in hits:
                if hit.integration == i and hit.group == g:
                    for y, x, dn in hit.pixels:
                        charge[y, x] += dn
                    for y, x in hit.flagged:
                        groupdq[i, g, y, x] |= JUMP_DET
            offset = bias + residue * math.exp(-g / effects.RESIDUE_TAU)
            frame = effects.read_frame(rng, charge, offset)
            saturated |= frame >= effects.SATURATION
            frame[saturated] = effects.SATURATION
            groupdq[i, g][saturated] |= SATURATED
            data[i, g] = frame
    groupdq[:, 0] |= DO_NOT_USE
    groupdq[:, -1] |= DO_NOT_USE
    return data, groupdq


def _appearances(parts: list[Part], groupdq: npt.NDArray[np.uint8]) -> list[Appearance]:
    """Return the truth of each part: its ellipses and its own rate bias."""
    appearances: list[Appearance] = []
    for k, shower, i, group, kind, light, glow, flash in parts:
        y0, y1, x0, x1 = light.box
        signal = glow[:, None, None] * light.glow + flash[:, None, None] * light.flash
        bias = ols_bias(signal, groupdq[i, :, y0:y1, x0:x1], GROUP_TIME).astype(np.float32)
        start = max(reset_time(i, groupdq.shape[1]), shower.onset_time)
        peak_here = shower.rate(start - shower.onset_time)
        extra = {"appearance": len(appearances), "kind": kind, "peak": peak_here}
        lobes = tuple(
            Shower(
                i,
                group,
                shower.x + lobe.dx,
                shower.y + lobe.dy,
                2 * lobe.sigma_major,
                2 * lobe.sigma_minor,
                lobe.theta,
                extra=extra,
            )
            for lobe in shower.lobes
        )
        appearances.append(
            Appearance(k, i, group, kind, shower.peak, peak_here, lobes, light, glow, flash, bias)
        )
    return appearances


def make_realistic(
    shape: tuple[int, int, int, int] = (2, 40, 256, 256),
    seed: int = 0,
    *,
    rate_factor: float = 1.0,
) -> tuple[datamodels.RampModel, RealisticTruth]:
    """Build a realistic MIRI ramp with showers, and its truth.

    Parameters
    ----------
    shape : tuple of int
        ``(nints, ngroups, ny, nx)``: a cut-out (e.g. 256 x 256) or the full array
        (1024 x 1032), 3 or more groups.
    seed : int
        Seed of the random generator (`numpy.random.default_rng`): the same seed and shape
        give the same ramp.
    rate_factor : float
        Multiplies the published shower rate (> 1: a high-rate episode).

    Returns
    -------
    (RampModel, RealisticTruth)

    Raises
    ------
    ValueError
        A shape that is not 4 positive numbers with at least 3 groups.
    """
    shape4 = tuple(int(n) for n in shape)
    if len(shape4) != 4 or min(shape4) < 1 or shape4[1] < 3:
        raise ValueError(f"shape must be (nints, ngroups >= 3, ny, nx), not {shape}")
    nints, ngroups, ny, nx = shape4
    full = (nints, ngroups, ny, nx)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    end = reset_time(nints - 1, ngroups) + ngroups * GROUP_TIME
    showers = draw_showers(streams[0], (ny, nx), end, rate_factor)
    sources = draw_sources(streams[1], (ny, nx), ngroups * GROUP_TIME)
    rate = source_rate(streams[1], sources, (ny, nx))
    hits = effects.draw_cosmic_rays(streams[2], full, GROUP_TIME)
    hits += _primary_hits(streams[3], showers, full)
    parts = _parts(showers, full)
    data, groupdq = _ramp(streams[4], full, rate, parts, hits)
    appearances = _appearances(parts, groupdq)
    onset = np.full((nints, ny, nx), ngroups, np.int16)
    bias = np.zeros((nints, ny, nx), np.float32)
    for a in appearances:
        y0, y1, x0, x1 = a.box
        here = onset[a.integration, y0:y1, x0:x1]
        here[a.footprint] = np.minimum(here[a.footprint], a.group)
        bias[a.integration, y0:y1, x0:x1] += a.bias
    onset[onset == ngroups] = -1
    model = datamodels.RampModel(data=data, groupdq=groupdq, pixeldq=np.zeros((ny, nx), np.uint32))
    describe(model, full)
    truth = RealisticTruth(
        appearances, onset, bias, sources, hits, rate.astype(np.float32), showers
    )
    return model, truth


def write_realistic(
    path: str | os.PathLike[str],
    shape: tuple[int, int, int, int] = (2, 40, 256, 256),
    seed: int = 0,
    *,
    rate_factor: float = 1.0,
) -> tuple[Path, RealisticTruth]:
    """Write a realistic ramp (`make_realistic`) as a ``_jump.fits``-like RampModel file.

    Parameters
    ----------
    path : str or path-like
        A ``.fits`` name, e.g. ``..._jump.fits``.
    shape, seed, rate_factor
        As for `make_realistic`.

    Returns
    -------
    (pathlib.Path, RealisticTruth)
    """
    model, truth = make_realistic(shape, seed, rate_factor=rate_factor)
    model.meta.filename = Path(path).name
    model.save(path)
    model.close()
    return Path(path), truth


def realistic_reference_models(
    shape_yx: tuple[int, int],
) -> tuple[datamodels.GainModel, datamodels.ReadnoiseModel]:
    """Gain and read-noise models of realistic scenes, for jwst's steps run offline.

    Parameters
    ----------
    shape_yx : tuple of int
        ``(ny, nx)``.

    Returns
    -------
    (GainModel, ReadnoiseModel)
        Fresh models (``RampFitStep`` scales the read noise in place).
    """
    return reference_models(shape_yx, gain=effects.GAIN, readnoise=effects.READ_NOISE)
