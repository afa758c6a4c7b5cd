"""The static sky of a realistic MIRI scene: background, stars and an extended source.

None of these has a shower's onset; they are there because a real ``_jump`` file has them
(domain notes, "What else is in a _jump file"):

- background: 3-30 DN/s (est.: the imager's short- and mid-wavelength filters), with a
  2% pixel-to-pixel flat-field pattern (est.);
- point sources: the F770W PSF has a FWHM of ~0.27" on 0.11" pixels (JDox, MIRI imager
  PSF), i.e. a core of sigma ~1.0 px, here with a power-law wing of 10% (est.) standing for
  the Airy rings and the cruciform; saturating stars (peak 2e4 to 5e5 DN/s) saturate in
  their core within a group and in their wings group by group; bright stars stay below
  saturation over the ramp;
- an extended source: an exponential disc, 3-30 DN/s at its centre, 4-25 px scale (est.).

Densities per Mpix (est.): `SATURATING_PER_MPIX`, `STARS_PER_MPIX`, `EXTENDED_PER_MPIX`;
a scene gets at least one of each so that every scene tests them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "EXTENDED_PER_MPIX",
    "SATURATING_PER_MPIX",
    "STARS_PER_MPIX",
    "StaticSource",
    "draw_sources",
    "source_rate",
]

SATURATING_PER_MPIX = 6.0
STARS_PER_MPIX = 25.0
EXTENDED_PER_MPIX = 2.0
PSF_SIGMA = 0.27 / 0.11 / 2.355  # px
WING, WING_SCALE = 0.1, 1.5  # share and scale (px) of the PSF's power-law wing (est.)
STAR_RADIUS = 64  # px rendered around a star (its wing is < 1e-7 of its peak beyond)


@dataclass(frozen=True)
class StaticSource:
    """A source that is in every group of every integration.

    Attributes
    ----------
    x, y : float
        Centre, 0-based pixels.
    kind : str
        ``"saturating star"``, ``"star"`` or ``"extended"``.
    peak : float
        Rate at the centre, DN/s.
    size : float
        Scale length, pixels (the PSF's sigma for stars).
    """

    x: float
    y: float
    kind: str
    peak: float
    size: float


def _count(rng: np.random.Generator, per_mpix: float, pixels: int) -> int:
    return max(1, int(rng.poisson(per_mpix * pixels / 1e6)))


def draw_sources(
    rng: np.random.Generator, shape_yx: tuple[int, int], integration_time: float
) -> list[StaticSource]:
    """Draw the stars and extended sources of a scene.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape_yx : tuple of int
        ``(ny, nx)``.
    integration_time : float
        Seconds from reset to the last read: bright stars stay below saturation over it.

    Returns
    -------
    list of StaticSource
    """
    ny, nx = shape_yx
    pixels = ny * nx

    def spot() -> tuple[float, float]:
        return float(rng.uniform(8, nx - 8)), float(rng.uniform(8, ny - 8))

    sources = []
    for _ in range(_count(rng, SATURATING_PER_MPIX, pixels)):
        peak = math.exp(rng.uniform(math.log(2e4), math.log(5e5)))
        sources.append(StaticSource(*spot(), "saturating star", peak, PSF_SIGMA))
    ceiling = min(1000.0, 0.5 * 45000.0 / max(integration_time, 1.0))
    for _ in range(_count(rng, STARS_PER_MPIX, pixels)):
        peak = math.exp(rng.uniform(math.log(min(20.0, ceiling)), math.log(ceiling)))
        sources.append(StaticSource(*spot(), "star", peak, PSF_SIGMA))
    for _ in range(_count(rng, EXTENDED_PER_MPIX, pixels)):
        sources.append(
            StaticSource(*spot(), "extended", float(rng.uniform(3, 30)), float(rng.uniform(4, 25)))
        )
    return sources


def source_rate(
    rng: np.random.Generator, sources: list[StaticSource], shape_yx: tuple[int, int]
) -> npt.NDArray[np.float64]:
    """Return the scene's rate without showers, DN/s: background, flat-field pattern and sources.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the background level and the flat-field pattern.
    sources : list of StaticSource
    shape_yx : tuple of int

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` float64.
    """
    ny, nx = shape_yx
    sky = float(rng.uniform(3, 30))
    rate = sky * (1 + rng.normal(0, 0.02, (ny, nx)))
    for source in sources:
        r = STAR_RADIUS if source.kind != "extended" else int(8 * source.size)
        y0, y1 = max(0, int(source.y) - r), min(ny, int(source.y) + r + 1)
        x0, x1 = max(0, int(source.x) - r), min(nx, int(source.x) + r + 1)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
        d2 = (xx - source.x) ** 2 + (yy - source.y) ** 2
        if source.kind == "extended":
            profile = np.exp(-np.sqrt(d2) / source.size)
        else:
            core = np.exp(-d2 / (2 * source.size**2))
            profile = (1 - WING) * core + WING * (1 + d2 / WING_SCALE**2) ** -2.0
        rate[y0:y1, x0:x1] += source.peak * profile
    return rate
