"""A shower's light in space and time: its lobed, textured profile and its charge per read.

A lobe's profile is ``(1 + q / 5) ** -2.5`` with ``q`` the squared elliptical radius in
units of the lobe's scale lengths: a Gaussian-like core with soft power-law wings (halos
"extremely large, blobby", JDox and the jwst straylight docs; the exact law is an
estimate). The lobes add up, a smooth random texture (+-30%, est.) makes the outline
irregular, and the sum is scaled to 1 at its brightest pixel and cut below `CUT` of it
(at a 4 DN/s peak the cut is 0.04 DN/s, below what biases a rate by 0.1 DN/s).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter

from napari_showermask.synthetic.population import Lobe, ShowerDraw

__all__ = ["CUT", "Box", "ShowerLight", "light_of"]

CUT = 0.01  # profiles end below this fraction of their peak
REACH = math.sqrt(5 * (CUT**-0.4 - 1))  # radius of the cut in scale lengths (~5.3)
TEXTURE = 0.3  # rms of the log-brightness texture (est.)

Box = tuple[int, int, int, int]  # y0, y1, x0, x1 (half-open)


@dataclass(frozen=True)
class ShowerLight:
    """Where a shower's light falls, relative to its peak, in a box of the scene.

    Attributes
    ----------
    box : tuple of int
        ``(y0, y1, x0, x1)``, half-open, inside the scene.
    glow : numpy.ndarray
        ``(y1 - y0, x1 - x0)`` glow profile, 1 at the shower's brightest pixel.
    flash : numpy.ndarray
        Same shape: the first group's flash profile, 1 at its brightest pixel.
    """

    box: Box
    glow: npt.NDArray[np.float64]
    flash: npt.NDArray[np.float64]


def _lobes_profile(
    lobes: tuple[Lobe, ...], x: float, y: float, scale: float, box: Box
) -> npt.NDArray[np.float64]:
    """Sum of the lobes' profiles (semi-axes times ``scale``) over the box."""
    y0, y1, x0, x1 = box
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    total = np.zeros((y1 - y0, x1 - x0))
    for lobe in lobes:
        t = math.radians(lobe.theta)
        dx, dy = xx - (x + lobe.dx), yy - (y + lobe.dy)
        along = (dx * math.cos(t) + dy * math.sin(t)) / (lobe.sigma_major * scale)
        across = (-dx * math.sin(t) + dy * math.cos(t)) / (lobe.sigma_minor * scale)
        total += lobe.weight * (1 + (along**2 + across**2) / 5) ** -2.5
    return total


def _reach_box(shower: ShowerDraw, scale: float, shape_yx: tuple[int, int]) -> Box:
    """Return the box, clipped to the scene, outside of which every lobe is below the cut."""
    ys, xs = [], []
    for lobe in shower.lobes:
        r = REACH * lobe.sigma_major * scale
        xs += [shower.x + lobe.dx - r, shower.x + lobe.dx + r]
        ys += [shower.y + lobe.dy - r, shower.y + lobe.dy + r]
    ny, nx = shape_yx
    y0, y1 = max(0, math.floor(min(ys))), min(ny, math.ceil(max(ys)) + 1)
    x0, x1 = max(0, math.floor(min(xs))), min(nx, math.ceil(max(xs)) + 1)
    return y0, max(y0, y1), x0, max(x0, x1)


def light_of(shower: ShowerDraw, shape_yx: tuple[int, int]) -> ShowerLight | None:
    """Render a shower's glow and flash profiles over the part of the scene they reach.

    Parameters
    ----------
    shower : ShowerDraw
    shape_yx : tuple of int
        ``(ny, nx)`` of the scene.

    Returns
    -------
    ShowerLight or None
        None when no pixel of the scene is reached.
    """
    box = _reach_box(shower, shower.flash_scale, shape_yx)
    y0, y1, x0, x1 = box
    if y1 <= y0 or x1 <= x0:
        return None
    # the texture and the normalisation see the shower whole, even where the scene cuts it
    full = _reach_box(shower, shower.flash_scale, (10**6, 10**6))
    ox, oy = full[2], full[0]
    whole = (0, full[1] - full[0], 0, full[3] - full[2])
    rng = np.random.default_rng(shower.texture_seed)
    noise = gaussian_filter(rng.normal(0, 1, (whole[1], whole[3])), 3.0)
    texture = np.exp(TEXTURE * noise / max(float(noise.std()), 1e-12))
    cx, cy = shower.x - ox, shower.y - oy
    glow = _lobes_profile(shower.lobes, cx, cy, 1.0, whole) * texture
    flash = _lobes_profile(shower.lobes, cx, cy, shower.flash_scale, whole) * texture
    inner = (slice(y0 - oy, y1 - oy), slice(x0 - ox, x1 - ox))
    glow_box = glow[inner] / glow.max()
    flash_box = flash[inner] / flash.max()
    glow_box[glow_box < CUT] = 0.0
    flash_box[flash_box < CUT] = 0.0
    return ShowerLight(box, glow_box, flash_box)
