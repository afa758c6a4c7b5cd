"""Size each candidate by the excess it leaves around it, and start it where its glow starts.

A shower biases the rate of every pixel it adds charge to, far beyond its visible core:
its soft wings and the onset group's flash, larger than the glow, are each below the
noise of a pixel, but not summed over a ring of pixels. For each candidate, the ramp is
read again in a box around it (only that box) and every usable difference frame becomes
an excess significance ``(d - reference) / noise`` (the reference of the search; the
median of the box outside the shower taken off each frame). Then:

1. Onset: the excess summed over the ellipse, per group, ``z_g`` (unit noise); the first
   group becomes the earliest ``k`` that maximises ``sum(z_g - drift for g >= k)`` if that
   is earlier than the CUSUM's: summed over the area, a glow's start shows where the
   pixels' own excursions began late. Never later.
2. Size: rings ``ring_width`` pixels wide are added around the ellipse (both semi-axes
   grown) as long as the ring's pixels hold a significant excess (``ring_sigma``) after
   the onset (each pixel's excess summed over those groups) or in the onset group (the
   flash), up to ``most_growth`` pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from napari_showermask.core.geometry import (
    axis_distances,
    ellipse_bbox,
    shower_pixels,
    within_axes,
)
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect.frames import box_frames
from napari_showermask.detect.params import DetectionParams

__all__ = ["grow_showers"]


def _excess(
    product: Product,
    integration: int,
    groups: Sequence[int],
    box: tuple[slice, slice],
    bad: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Return the box's excess significance per usable group, and where it is known."""
    frames, known = box_frames(product, integration, groups, box, bad)
    mean, sigma = reference[0][box], reference[1][box]
    known &= np.isfinite(sigma)
    excess = np.where(known, (frames - mean) / np.where(known, sigma, 1.0), 0.0)
    return excess.astype(np.float32), known


def _continued(
    excess: np.ndarray,
    known: np.ndarray,
    inside: np.ndarray,
    group: int,
    groups: Sequence[int],
    others: list[Shower],
    rows: np.ndarray,
    cols: np.ndarray,
) -> int:
    """Return an earlier overlapping shower's group where this one only continues its glow.

    A piece of one shower's fainter outskirts reaches the CUSUM's start later than its
    core: over its ellipse the excess per group between the earlier shower's group and
    its own is already significant and at least half of what follows. A new shower on
    top of an earlier glow steps up at its own group.
    """
    per_group = (excess * inside).sum(axis=(1, 2))
    counts = np.maximum((known & inside).sum(axis=(1, 2)), 1)
    at = np.asarray(groups)
    for other in sorted(others, key=lambda o: o.group):
        if other.group >= group:
            break
        there, cross = axis_distances(other, rows, cols)
        if not (inside & within_axes(there, cross, other.semi_major, other.semi_minor)).any():
            continue
        before, after = (at > other.group) & (at < group), at >= group
        if before.sum() < 2 or after.sum() < 2:
            continue
        mean_before = per_group[before].sum() / counts[before].sum()
        mean_after = per_group[after].sum() / counts[after].sum()
        significance = per_group[before].sum() / np.sqrt(counts[before].sum())
        if significance > 1.5 and mean_before >= 0.5 * mean_after > 0:
            return other.group
    return group


def _onset(z: np.ndarray, current: int, groups: Sequence[int], drift: float) -> int:
    """Earliest group maximising the tail sum of ``z - drift``; never later than ``current``."""
    tails = np.cumsum((z - drift)[::-1])[::-1]
    k = int(np.argmax(tails))  # the earliest of equal maxima
    return min(current, int(groups[k])) if tails[k] > 0 else current


def _grown(
    shower: Shower,
    product: Product,
    groups: Sequence[int],
    bad: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
    params: DetectionParams,
    others: list[Shower],
    size: bool = True,
) -> Shower:
    """Return one candidate started no later and grown (`grow_showers`).

    ``others`` are the candidates of other showers (other first groups): the onset
    leaves out their pixels, the rings their ellipses scaled by 1.5 (a neighbour's wings
    and flash are its own). Each semi-axis grows by at most the semi-major axis.
    """
    ny, nx = product.image_shape
    a, b = shower.semi_major, shower.semi_minor
    most = min(params.most_growth, max(a, 2 * params.ring_width))
    reach = most + params.ring_width
    box = ellipse_bbox(shower.x, shower.y, a + reach, b + reach, shower.theta, (ny, nx))
    if box is None:
        return shower
    excess, known = _excess(product, shower.integration, groups, box, bad, reference)
    rows = np.arange(box[0].start, box[0].stop, dtype=np.float64)
    cols = np.arange(box[1].start, box[1].stop, dtype=np.float64)
    along, across = axis_distances(shower, rows, cols)
    inside = within_axes(along, across, a, b)
    outside = ~within_axes(along, across, 1.5 * a + params.ring_width, 1.5 * b + params.ring_width)
    if outside.sum() >= 50:  # offsets common to the box (row noise, frame offsets)
        for g in range(len(excess)):
            sample = excess[g][outside & known[g]]
            if sample.size >= 50:
                excess[g][known[g]] -= np.float32(np.median(sample))
    # 1. the onset, from the excess summed over the ellipse
    group = _continued(excess, known, inside, shower.group, groups, others, rows, cols)
    mine = inside.copy()  # not the pixels of another shower, with its own onset
    for other in others:
        there, cross = axis_distances(other, rows, cols)
        mine &= ~within_axes(there, cross, other.semi_major, other.semi_minor)
    counts = (known & mine).sum(axis=(1, 2))
    z = (excess * mine).sum(axis=(1, 2)) / np.sqrt(np.maximum(counts, 1))
    group = _onset(z, group, groups, params.onset_drift)
    if group <= groups[0]:
        group = max(groups[0] - 1, 0)
    if not size:
        return shower.moved(group=group)
    # 2. rings while they hold an excess after the onset or a flash at it
    after = np.asarray(groups) >= group
    n = np.maximum(known[after].sum(axis=0), 1)
    glow = excess[after].sum(axis=0) / np.sqrt(n)
    flash = excess[np.searchsorted(groups, group)] if group >= groups[0] else None
    theirs = np.zeros_like(inside)
    for other in others:
        there, cross = axis_distances(other, rows, cols)
        theirs |= within_axes(there, cross, 1.5 * other.semi_major, 1.5 * other.semi_minor)
    grown, steps = inside | theirs, 0
    while (steps + 1) * params.ring_width <= most:
        w = (steps + 1) * params.ring_width
        ring = within_axes(along, across, a + w, b + w) & ~grown
        if ring.sum() < 4:
            break
        root = math.sqrt(ring.sum())
        loud = glow[ring].sum() / root > params.ring_sigma
        if flash is not None:
            loud |= flash[ring].sum() / root > params.ring_sigma
        if not loud:
            break
        grown |= ring
        steps += 1
    w = steps * params.ring_width
    return shower.moved(group=group, semi_major=a + w, semi_minor=b + w)


def grow_showers(
    product: Product,
    groups: Sequence[int],
    bad: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
    showers: list[Shower],
    params: DetectionParams,
) -> list[Shower]:
    """Return the showers started where their summed excess starts and grown over it.

    Parameters
    ----------
    product : Product
    groups : sequence of int
        The usable groups.
    bad : numpy.ndarray of bool
        Pixels always left out.
    reference : (reference, noise)
        The integration's per-pixel reference rate and noise, DN per group.
    showers : list of Shower
        One integration's candidates.
    params : DetectionParams

    Returns
    -------
    list of Shower
        In the same order; a shower is never made later or smaller.
    """
    if params.ring_width <= 0:
        return showers
    out = _joined(showers, product.image_shape, params.tolerance)
    for size in (False, True):  # the onsets first; then the sizes, among the showers
        out = [
            _grown(s, product, groups, bad, reference, params, _others(s, out), size) for s in out
        ]
    return out


def _others(shower: Shower, showers: list[Shower]) -> list[Shower]:
    """Return the showers of other first groups (not pieces of this one)."""
    return [s for s in showers if s.group != shower.group]


def _joined(showers: list[Shower], shape: tuple[int, int], within: int) -> list[Shower]:
    """Start the later pieces of one shower at its earliest one.

    Parts of one shower whose pixels' onsets spread over some groups come out as
    overlapping candidates; their union is masked, and a pixel only a later one covers
    would be masked late. A later candidate takes an earlier one's group where it lies
    half inside it, or overlaps it and begins within ``within`` groups of it.
    """
    masks = [shower_pixels(s, shape) for s in showers]
    out = list(showers)
    order = sorted(range(len(showers)), key=lambda k: showers[k].group)
    for n, k in enumerate(order):
        for j in order[n + 1 :]:
            if out[j].group <= out[k].group:
                continue
            shared = _overlap(masks[k], masks[j])
            near = out[j].group - out[k].group <= within and shared > 0
            if near:
                out[j] = out[j].moved(group=out[k].group)
    return out


def _overlap(first, second) -> int:
    """Count the pixels two `shower_pixels` results share."""
    if first is None or second is None:
        return 0
    ((r1, c1), m1), ((r2, c2), m2) = first, second
    top, bottom = max(r1.start, r2.start), min(r1.stop, r2.stop)
    left, right = max(c1.start, c2.start), min(c1.stop, c2.stop)
    if top >= bottom or left >= right:
        return 0
    a = m1[top - r1.start : bottom - r1.start, left - c1.start : right - c1.start]
    b = m2[top - r2.start : bottom - r2.start, left - c2.start : right - c2.start]
    return int((a & b).sum())
