"""Follow each candidate's glow through the reset into the next integration.

A glow's slow tail lasts minutes, longer than many integrations: a shower found in
integration ``i`` may still glow at group 0 of integration ``i + 1``, with no jump. Each
candidate is tested there over its own ellipse (a known place: no search, so a modest
significance is enough), reading only the ellipse's box:

- level: the mean difference of integration ``i + 1`` over the ellipse against that of
  integration ``i`` before the shower began (the same pixels with no glow), where at
  least `BEFORE` usable differences precede the shower's first group;
- fading: the mean difference of the first half of integration ``i + 1`` against that of
  its second half (a glow only fades; a source stays).

Each is summed over the ellipse's pixels with its noise from the differences' own
scatter. Where either passes ``carry_sigma``, the glow is a candidate in integration
``i + 1`` from its first group (``g0 - 1``: the pixels are dropped from that
integration), with the same ellipse, and that one is followed in turn.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from napari_showermask.core.geometry import axis_distances, ellipse_bbox, within_axes
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect.frames import box_frames
from napari_showermask.detect.params import DetectionParams

__all__ = ["BEFORE", "carried_over"]

AROUND = 10.0  # pixels of the band around the largest ellipse that gives the offsets
BEFORE = 4  # fewest usable differences before a shower for the level test


def _differences(
    product: Product,
    integration: int,
    groups: Sequence[int],
    box: tuple[slice, slice],
    bad: np.ndarray,
) -> np.ndarray:
    """Return the box's difference frames ``(len(groups), h, w)``, NaN where not usable."""
    frames, known = box_frames(product, integration, groups, box, bad)
    return np.where(known, frames.astype(np.float64), np.nan)


def _mean_and_variance(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pixel's mean difference and its variance, and where there are two or more.

    ``frames`` is ``(groups, pixels)``. A ramp's differences telescope: read noise adds
    ``2 r**2 / n**2`` to a mean of ``n`` contiguous ones (``r**2`` from their lag-one
    covariance, over the pixels), photon noise ``p / n`` (the rest of each pixel's
    variance).
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        n = np.sum(np.isfinite(frames), axis=0)
        mean = np.nanmean(frames, axis=0)
        centred = frames - mean
        lag = np.nanmean(centred[1:] * centred[:-1], axis=0)
        read = max(-float(np.nanmedian(lag)), 0.0) if np.isfinite(lag).any() else 0.0
        # each pixel's own: a star's photon noise is far above the sky's
        photon = np.nan_to_num(np.maximum(np.nanvar(frames, axis=0, ddof=1) - 2 * read, 0.0))
        gaps = 1.0 + (len(frames) - n)
        variance = 2 * read * gaps / np.square(np.maximum(n, 1)) + photon / np.maximum(n, 1)
    return mean, variance, n >= 2


def _excess(
    higher: np.ndarray, lower: np.ndarray, inside: np.ndarray, around: np.ndarray
) -> float:
    """Significance of the mean difference of ``higher`` over ``lower``, summed over pixels.

    Both are ``(groups, h, w)`` over a box; the sum is over ``inside``, each pixel's
    difference taken relative to the median of those ``around`` it (offsets common to the
    box: row noise, a reset's residue that differs between integrations).
    """
    m1, v1, ok1 = _mean_and_variance(higher.reshape(len(higher), -1))
    m2, v2, ok2 = _mean_and_variance(lower.reshape(len(lower), -1))
    ok = ok1 & ok2
    mine, theirs = ok & inside.ravel(), ok & around.ravel()
    if not mine.any():
        return 0.0
    offset = float(np.median((m1 - m2)[theirs])) if theirs.sum() >= 20 else 0.0
    total = float(np.sum(v1[mine] + v2[mine]))
    return float(np.sum(m1[mine] - m2[mine] - offset) / math.sqrt(max(total, 1e-12)))


def _inside(shower: Shower, box: tuple[slice, slice], grow: float) -> np.ndarray:
    """Pixels of the box inside the shower's ellipse with both semi-axes grown by ``grow``."""
    rows, cols = (np.arange(part.start, part.stop) for part in box)
    along, across = axis_distances(shower, rows, cols)
    return within_axes(along, across, shower.semi_major + grow, shower.semi_minor + grow)


def _follow(
    product: Product,
    shower: Shower,
    groups: Sequence[int],
    bad: np.ndarray,
    params: DetectionParams,
    others: list[Shower],
) -> Shower | None:
    """Return the candidate's glow in the next integration, grown, or None where it is not.

    Where the level test applies, rings ``ring_width`` wide are added while the next
    integration holds a significant excess in them over the same pixels before the shower
    (``ring_sigma``), up to ``most_growth`` pixels: a glow there all along biases the rate
    further out than it did in the integration it began in. ``others`` are the
    candidates of the next integration: their pixels (ellipses scaled by 1.5) are left out.
    """
    most = params.most_growth if params.ring_width > 0 else 0.0
    a, b = shower.semi_major + most + AROUND, shower.semi_minor + most + AROUND
    box = ellipse_bbox(shower.x, shower.y, a, b, shower.theta, product.image_shape)
    if box is None:
        return None
    # the pixels of a shower that begins in the next integration are its own
    own = _inside(shower, box, 0.0)
    theirs = np.zeros(own.shape, bool)
    for other in others:
        theirs |= _inside(
            other.moved(semi_major=1.5 * other.semi_major, semi_minor=1.5 * other.semi_minor),
            box,
            0.0,
        )
    inside = own & ~theirs
    if not inside.any():
        return None
    around = ~_inside(shower, box, most) & ~theirs
    later = _differences(product, shower.integration + 1, groups, box, bad)
    half = len(groups) // 2
    fading = _excess(later[:half], later[half:], inside, around) if half >= 2 else 0.0
    before = [g for g in groups if g < shower.group]
    clean = None
    if len(before) >= BEFORE:
        clean = _differences(product, shower.integration, before, box, bad)
    level = _excess(later, clean, inside, around) if clean is not None else 0.0
    if max(fading, level) <= params.carry_sigma:
        return None
    grown = 0.0
    while clean is not None and grown + params.ring_width <= most:
        ring = _inside(shower, box, grown + params.ring_width) & ~_inside(shower, box, grown)
        ring &= ~theirs
        if ring.sum() < 4 or _excess(later, clean, ring, around) <= params.ring_sigma:
            break
        grown += params.ring_width
    first = max(groups[0] - 1, 0)
    return shower.moved(
        integration=shower.integration + 1,
        group=first,
        semi_major=shower.semi_major + grown,
        semi_minor=shower.semi_minor + grown,
    )


def carried_over(
    product: Product,
    groups: Sequence[int],
    bad: np.ndarray,
    showers: list[Shower],
    params: DetectionParams,
) -> list[Shower]:
    """Return the candidates' glows that last into the next integrations.

    Parameters
    ----------
    product : Product
    groups : sequence of int
        The usable groups.
    bad : numpy.ndarray of bool
        Pixels always left out.
    showers : list of Shower
        All the candidates.
    params : DetectionParams

    Returns
    -------
    list of Shower
        New candidates (none where a candidate of that integration already starts at its
        first group over the same centre), group ``groups[0] - 1``.
    """
    if params.carry_sigma <= 0:
        return []
    first = max(groups[0] - 1, 0)
    taken = {(s.integration, round(s.x), round(s.y)) for s in showers if s.group <= first}
    out: list[Shower] = []
    todo = list(showers)
    while todo:
        shower = todo.pop(0)
        nxt = shower.integration + 1
        if nxt >= product.nints or (nxt, round(shower.x), round(shower.y)) in taken:
            continue
        begun = [s for s in showers if s.integration == nxt]
        copy = _follow(product, shower, groups, bad, params, begun)
        if copy is not None:
            taken.add((nxt, round(shower.x), round(shower.y)))
            out.append(copy)
            todo.append(copy)
    return out
