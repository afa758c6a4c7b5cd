"""Saturating stars: no candidate is centred on a pixel that saturates in two integrations.

The wings of a saturating star saturate group by group, and the few usable differences
left there look, now and then, like the start of a glow. A source that saturates at the
same pixels in more than one integration is static (a cosmic ray, a shower's primary hit,
saturates in one): a candidate whose core (its ellipse at `CORE` times its axes) holds
such a pixel is dropped, unless its score passes `STRONG` times the threshold (those
false candidates barely pass it). A glow beside a saturating star, whose ellipse only
reaches over it, is kept; a faint shower centred on one is not proposed, and can still be
marked by hand. A ramp with one integration cannot tell a star from a hit this way, and
keeps its candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower

__all__ = ["CORE", "STRONG", "off_saturating_sources", "saturating_sources"]

#: the core of a candidate: its ellipse scaled by this
CORE = 0.5
#: a candidate scoring this many times the threshold is kept wherever it is
STRONG = 2.0

_SATURATED = dqflags.group["SATURATED"]


def saturating_sources(product: Product) -> np.ndarray | None:
    """Return the pixels that saturate in at least two integrations.

    The saturation step flags every group after a pixel saturates, so the last group of
    each integration holds them all: one GROUPDQ plane per integration is read.

    Parameters
    ----------
    product : Product
        An open ramp.

    Returns
    -------
    numpy.ndarray of bool, or None
        ``(ny, nx)``; None for a ramp with one integration, or when no pixel qualifies.
    """
    if product.nints < 2:
        return None
    count = np.zeros(product.image_shape, np.uint8)
    for i in range(product.nints):
        count += (product.read("GROUPDQ", (i, product.ngroups - 1)) & _SATURATED) != 0
    static = count >= 2
    return static if static.any() else None


def off_saturating_sources(
    showers: Sequence[Shower], static: np.ndarray | None, threshold: float
) -> list[Shower]:
    """Return the showers whose core (`CORE`) holds no pixel of ``static``, or that are strong.

    Parameters
    ----------
    showers : sequence of Shower
    static : numpy.ndarray of bool, or None
        From `saturating_sources`; None keeps every shower.
    threshold : float
        The search's threshold; a shower whose ``extra["score"]`` reaches `STRONG` times it
        is kept.

    Returns
    -------
    list of Shower
    """
    if static is None:
        return list(showers)
    kept = []
    for shower in showers:
        if shower.extra.get("score", 0.0) >= STRONG * threshold:
            kept.append(shower)
            continue
        core = replace(
            shower, semi_major=CORE * shower.semi_major, semi_minor=CORE * shower.semi_minor
        )
        pixels = shower_pixels(core, static.shape)
        if pixels is None or not static[pixels[0]][pixels[1]].any():
            kept.append(shower)
    return kept
