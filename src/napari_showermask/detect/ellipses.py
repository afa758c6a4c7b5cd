"""Turn the segments of one integration (`segments`) into candidate showers.

Each segment gives a shower: its first group is an early quantile of its events' onsets
(masking starts where the glow first appears, never at the median), its ellipse comes from
the second moments of its persisting pixels, scaled to cover them. Then, where the ellipse
of a later shower reaches over pixels nearer to an earlier one than to its own, the earlier
shower is widened to cover them: a pixel is never masked only from a later group than the
shower it most likely belongs to; and an earlier shower grows over the band of a brighter
later one's ellipse around it (the smoothing spreads the later one over its edge). A small,
faint later shower beside a bigger, brighter earlier one takes the pixels of that one next
to it into its moments (where they overlap, it has no excursion of its own).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.shower import Shower
from napari_showermask.detect.params import DetectionParams
from napari_showermask.detect.segments import Segment

__all__ = ["candidates"]


def _first_group(segment: Segment, first_usable: int) -> int:
    """Return a segment's first group: the early start of its earliest piece."""
    group = segment.first
    if group <= first_usable:  # there in the first usable difference: began at or before
        group = max(first_usable - 1, 0)
    return group


def _line_like(segment: Segment, scale: float) -> bool:
    """Whether a segment is a column or a row: a pixel wide under the smoothing, and long.

    A short sliver (a shower mostly covered by an earlier one) is not a line.
    """
    if len(segment.rows) <= 2:
        return False
    cov = np.cov(np.vstack([segment.cols, segment.rows]), aweights=segment.strength)
    thin, long = np.linalg.eigvalsh(cov)
    return bool(thin < scale**2 + 1 and long > 16 * thin and long > 100)  # over ~35 pixels


def _fit_pixels(segment: Segment, params: DetectionParams) -> tuple[np.ndarray, np.ndarray]:
    """Return the pixels the ellipse is sized on: those of the glow that persists."""
    # a fraction of the highest rises; or, for pixels whose CUSUM rose mostly after their
    # onset (not a flash), of the median rise, where a brighter later shower on top of
    # part of the shower (the same excursion there) raised the highest
    keep = segment.rise >= max(params.footprint * np.percentile(segment.rise, 95), 1e-6)
    rising = segment.rise >= 0.5 * segment.strength
    keep |= rising & (segment.rise >= params.median_footprint * np.median(segment.rise))
    rows, cols = segment.rows[keep], segment.cols[keep]
    if len(rows) < params.min_area:
        return segment.rows, segment.cols
    # only patches of at least min_area pixels: a stray pixel would stretch the moments
    top, left = rows.min(), cols.min()
    image = np.zeros((rows.max() - top + 1, cols.max() - left + 1), bool)
    image[rows - top, cols - left] = True
    labels, _ = ndimage.label(image, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    big = sizes[labels[rows - top, cols - left]] >= params.min_area
    return (rows[big], cols[big]) if big.any() else (rows, cols)


def _into_earlier(
    segments: list[Segment], fits: list, groups: list[int], shape, into: float, tolerance: int
) -> list:
    """Add to a later shower's fit pixels those of bigger, brighter earlier ones beside it.

    On such a one's still rising glow it adds no excursion of its own: its segment is the
    part outside, shifted away. Those segments (onset over ``tolerance`` groups earlier,
    higher score, more pixels) give their pixels within ``into`` pixels of its own.
    """
    owner = np.full(shape, -1, np.int32)
    for k in sorted(range(len(segments)), key=lambda k: -groups[k]):
        owner[segments[k].rows, segments[k].cols] = k
    pad, out = int(math.ceil(into)) + 1, list(fits)
    for b, later in enumerate(segments):
        bigger = np.zeros(len(segments) + 1, bool)  # the last is for owner -1
        for a, earlier in enumerate(segments):
            bigger[a] = (
                groups[a] + tolerance < groups[b]
                and later.score < earlier.score
                and len(later.rows) < len(earlier.rows)
            )
        if not bigger.any():
            continue
        top, left = max(later.rows.min() - pad, 0), max(later.cols.min() - pad, 0)
        box = owner[top : later.rows.max() + pad + 1, left : later.cols.max() + pad + 1]
        mine = np.zeros(box.shape, bool)
        mine[later.rows - top, later.cols - left] = True
        take = bigger[box] & ~mine
        if take.any():
            take &= ndimage.distance_transform_edt(~mine) <= into
            rows, cols = np.nonzero(take)
            out[b] = (
                np.concatenate([fits[b][0], rows + top]),
                np.concatenate([fits[b][1], cols + left]),
            )
    return out


def _ellipse(
    rows: np.ndarray, cols: np.ndarray, cover: float, blur: float = 0.0
) -> tuple[float, float, float, float, float]:
    """Return ``(x, y, semi_major, semi_minor, theta)`` covering the pixels.

    ``blur`` (pixels squared) is taken off the variance along each axis first.
    """
    x, y = float(cols.mean()), float(rows.mean())
    cov = np.cov(np.vstack([cols, rows])) if len(rows) > 1 else np.eye(2) * 0.25
    eigen, vectors = np.linalg.eigh(cov)
    # a filled ellipse of semi-axis a has variance a**2 / 4 along that axis
    minor, major = (2 * math.sqrt(max(v - blur, 0.25)) * cover + 0.5 for v in eigen)
    theta = math.degrees(math.atan2(vectors[1, 1], vectors[0, 1])) % 180.0
    return x, y, major, minor, theta


def _blur(segment: Segment, params: DetectionParams) -> float:
    """Return the variance the smoothing added to a bright shower's footprint (else 0)."""
    if segment.score < params.bright * params.threshold:
        return 0.0
    return params.deblur * params.scale**2


def _claims(showers: list[Shower], segments: list[Segment], shape) -> list[list[np.ndarray]]:
    """Per shower, the pixels (flat indices) later showers cover that are nearer to it."""
    owner = np.full(shape, -1, np.int32)
    order = sorted(range(len(showers)), key=lambda k: -showers[k].group)
    for k in order:  # the earliest shower owns a pixel two segments share
        owner[segments[k].rows, segments[k].cols] = k
    claims: list[list[np.ndarray]] = [[] for _ in showers]
    for b, later in enumerate(showers):
        found = shower_pixels(later, shape)
        if found is None:
            continue
        box, inside = found
        _, (near_rows, near_cols) = ndimage.distance_transform_edt(
            owner[box] < 0, return_indices=True
        )
        nearest = owner[box][near_rows, near_cols]
        for a in np.unique(nearest[inside]):
            if a < 0 or a == b or showers[a].group >= later.group:
                continue
            rows, cols = np.nonzero(inside & (nearest == a))
            rows, cols = rows + box[0].start, cols + box[1].start
            mine = shower_pixels(showers[a], shape)
            if mine is not None:  # only the pixels it does not cover yet
                (r, c), covered = mine
                within = (rows >= r.start) & (rows < r.stop) & (cols >= c.start) & (cols < c.stop)
                hit = np.zeros(len(rows), bool)
                hit[within] = covered[rows[within] - r.start, cols[within] - c.start]
                rows, cols = rows[~hit], cols[~hit]
            claims[a].append(np.ravel_multi_index((rows, cols), shape))
    return claims


def _covering(shower: Shower, rows: np.ndarray, cols: np.ndarray, most: float) -> Shower:
    """Return the shower scaled up (at most ``most`` times) to cover 97% of the pixels."""
    t = math.radians(shower.theta)
    dx, dy = cols - shower.x, rows - shower.y
    along = (dx * math.cos(t) + dy * math.sin(t)) / shower.semi_major
    across = (-dx * math.sin(t) + dy * math.cos(t)) / shower.semi_minor
    factor = min(float(np.percentile(np.hypot(along, across), 97)), most)
    if factor <= 1.0:
        return shower
    return shower.moved(
        semi_major=shower.semi_major * factor, semi_minor=shower.semi_minor * factor
    )


def _band(a: int, showers: list[Shower], pixels: list, shape, params: DetectionParams):
    """Return shower ``a``'s pixels and the band of brighter later ellipses around them.

    Both are flat indices; the band is the pixels of later showers, at least as bright
    (``brighter`` times its score), within ``reach`` pixels of its ellipse.
    """
    earlier, ((r, c), mine) = showers[a], pixels[a]
    pad = int(math.ceil(params.reach)) + 1
    rows = slice(max(r.start - pad, 0), min(r.stop + pad, shape[0]))
    cols = slice(max(c.start - pad, 0), min(c.stop + pad, shape[1]))
    own = np.zeros((rows.stop - rows.start, cols.stop - cols.start), bool)
    own[r.start - rows.start : r.stop - rows.start, c.start - cols.start : c.stop - cols.start] = (
        mine
    )
    band, near = np.zeros_like(own), None
    for b, later in enumerate(showers):
        if pixels[b] is None or later.group <= earlier.group:
            continue
        if later.extra["score"] < params.brighter * earlier.extra["score"]:
            continue
        (lr, lc), theirs = pixels[b]
        top, left = max(lr.start, rows.start), max(lc.start, cols.start)
        bottom, right = min(lr.stop, rows.stop), min(lc.stop, cols.stop)
        if top >= bottom or left >= right:
            continue
        if near is None:
            near = ndimage.distance_transform_edt(~own) <= params.reach
        part = theirs[top - lr.start : bottom - lr.start, left - lc.start : right - lc.start]
        window = np.s_[
            top - rows.start : bottom - rows.start, left - cols.start : right - cols.start
        ]
        band[window] |= part & near[window] & ~own[window]

    def flat(image: np.ndarray) -> np.ndarray:
        ys, xs = np.nonzero(image)
        return np.ravel_multi_index((ys + rows.start, xs + cols.start), shape)

    return flat(own), flat(band)


def _edges(showers: list[Shower], shape, params: DetectionParams) -> list[Shower]:
    """Widen each shower over the band of brighter later ellipses around it (`_band`).

    The smoothing spreads a bright later shower over the edge of an earlier, fainter one
    it touches, whose pixels there take the later onset and would be masked only from the
    later group: the earlier ellipse is refitted to the moments of its pixels and the band,
    scaled up to cover them (at most ``widen`` times), its area at most ``cap`` times its
    own.
    """
    out = list(showers)
    pixels = [shower_pixels(s, shape) for s in showers]
    for a, earlier in enumerate(showers):
        if pixels[a] is None:
            continue
        own, band = _band(a, showers, pixels, shape, params)
        if not band.size:
            continue
        ys, xs = np.unravel_index(np.concatenate([own, band]), shape)
        x, y, major, minor, theta = _ellipse(ys, xs, 1.0)
        grown = earlier.moved(x=x, y=y, semi_major=major, semi_minor=minor, theta=theta)
        grown = _covering(grown, ys, xs, params.widen)
        ratio = grown.semi_major * grown.semi_minor / (earlier.semi_major * earlier.semi_minor)
        shrink = math.sqrt(min(params.cap / ratio, 1.0))
        out[a] = grown.moved(
            semi_major=grown.semi_major * shrink, semi_minor=grown.semi_minor * shrink
        )
    return out


def candidates(
    integration: int,
    segments: list[Segment],
    shape: tuple[int, int],
    first_usable: int,
    params: DetectionParams,
) -> list[Shower]:
    """Make the candidate showers of one integration's segments, highest score first.

    Parameters
    ----------
    integration : int
    segments : list of Segment
    shape : tuple of int
        ``(ny, nx)``.
    first_usable : int
        First usable difference frame (`statistics.usable_groups`).
    params : DetectionParams

    Returns
    -------
    list of Shower
    """
    kept = [s for s in segments if not _line_like(s, params.scale)]
    fits = [_fit_pixels(s, params) for s in kept]
    groups = [_first_group(segment, first_usable) for segment in kept]
    showers = [
        Shower(
            integration,
            group,
            *_ellipse(rows, cols, params.cover, _blur(segment, params)),
            extra={"score": round(float(segment.score), 2), "source": "detect"},
        )
        for segment, group, (rows, cols) in zip(kept, groups, fits, strict=True)
    ]
    grown = fits
    if params.into > 0:
        grown = _into_earlier(kept, fits, groups, shape, params.into, params.tolerance)
    # earlier showers widen over what the later ones cover as first found
    for k, claimed in enumerate(_claims(showers, kept, shape)):
        flat = np.concatenate(claimed) if claimed else np.zeros(0, np.int64)
        rows, cols = grown[k]
        if flat.size:
            more_rows, more_cols = np.unravel_index(flat, shape)
            rows, cols = np.concatenate([rows, more_rows]), np.concatenate([cols, more_cols])
            ellipse = _ellipse(rows, cols, params.cover)
        elif grown[k] is not fits[k]:
            ellipse = _ellipse(rows, cols, params.cover, _blur(kept[k], params))
        else:
            continue
        x, y, major, minor, theta = ellipse
        showers[k] = showers[k].moved(x=x, y=y, semi_major=major, semi_minor=minor, theta=theta)
    if params.reach > 0:
        showers = _edges(showers, shape, params)
    return sorted(showers, key=lambda s: -s.extra["score"])
