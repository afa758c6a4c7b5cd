"""Split the CUSUM regions of one integration into showers by onset, for `detection`.

A region above threshold may hold several showers that touch or overlap. Every pixel
brings one or two *events*: the CUSUM excursion that reached its peak (``onset``), and,
where an earlier one had already reached ``level``, that first excursion (``early``): a
pixel that a fast-decaying shower crossed before a later one began belongs to both.

1. The onsets of a region's events make a histogram; it is cut at the valley between two
   modes when they are more than ``tolerance`` groups apart, both have ``min_area``
   events and the valley is below half the lower mode (onsets of one shower spread
   around one mode; showers that began at different times make separate modes).
2. Neighbouring events (4-connected pixels, any of their events) on the same side of every
   cut are joined into pieces.
3. A weak piece (fewer than ``min_area`` events, or no event reaching the threshold:
   ``threshold``, or ``weak_ratio * threshold`` when the region has several modes) is
   merged into the neighbour whose median onset is closest, smallest first.
4. Each strong piece left is a shower.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from skimage.filters import apply_hysteresis_threshold

from napari_showermask.detect.cusum import Cusum

__all__ = ["Segment", "segments"]


@dataclass(frozen=True)
class Segment:
    """The events of one shower found in a CUSUM map.

    Attributes
    ----------
    rows, cols : numpy.ndarray of int
        Its pixels, each once.
    rise : numpy.ndarray of float
        Per pixel: how much its CUSUM rose after its first group (the glow that persists).
    strength : numpy.ndarray of float
        Per pixel: the highest CUSUM value of its events in this shower.
    onsets : numpy.ndarray of int
        Onset group of each of its events (one or two per pixel).
    first : int
        Earliest onset of the pieces it was merged from that had ``min_area`` events (an
        early quantile of each): a shower covering them must start no later.
    score : float
        Highest CUSUM value of its events.
    """

    rows: np.ndarray
    cols: np.ndarray
    rise: np.ndarray
    strength: np.ndarray
    onsets: np.ndarray
    first: int
    score: float


def segments(
    cusum: Cusum,
    threshold: float,
    min_area: int,
    tolerance: int = 2,
    weak_ratio: float = 1.0,
    grow: float = 1 / 3,
    quantile: float = 0.1,
    start: int | None = None,
) -> Iterator[Segment]:
    """Yield the showers of one integration's CUSUM maps.

    Parameters
    ----------
    cusum : Cusum
        From `_difference_stats.cusum`.
    threshold : float
        Peak CUSUM a region needs; regions are grown down to ``grow * threshold``.
    min_area : int
        Fewest events a shower has.
    tolerance : int
        Onset modes at most this many groups apart are one shower.
    weak_ratio : float
        Fraction of ``threshold`` that a piece with an onset mode of its own needs.
    grow : float
        Fraction of ``threshold`` down to which regions are grown.
    quantile : float
        Early quantile of a piece's onsets taken as its start (`Segment.first`).
    start : int, optional
        The first usable group: an onset there means a glow already there, begun at or
        before it (onsets cannot be earlier), so a mode there is one group further from
        the next than it looks.

    Yields
    ------
    Segment
    """
    regions, _ = ndimage.label(apply_hysteresis_threshold(cusum.peak, threshold * grow, threshold))
    for k, box in enumerate(ndimage.find_objects(regions), start=1):
        if box is None:
            continue
        inside = regions[box] == k
        if inside.sum() < min_area:
            continue
        peak, onset, rise, early, early_peak = (plane[box] for plane in cusum)
        maps = (peak, onset, rise, early, early_peak)
        for segment in _split(
            inside, *maps, threshold, min_area, tolerance, weak_ratio, quantile, start
        ):
            rows, cols = segment.rows + box[0].start, segment.cols + box[1].start
            yield replace(segment, rows=rows, cols=cols)


def _events(
    inside: np.ndarray,
    peak: np.ndarray,
    onset: np.ndarray,
    rise: np.ndarray,
    early: np.ndarray,
    early_peak: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Give each event of a region an id; return the ids per pixel, onsets, scores, rises."""
    second = inside & (early >= 0) & (early != onset)
    n_first = int(inside.sum())
    ids = np.full((2, *inside.shape), -1, np.int64)
    ids[0][inside] = np.arange(n_first)
    ids[1][second] = n_first + np.arange(int(second.sum()))
    onsets = np.concatenate([onset[inside], early[second]]).astype(np.int64)
    scores = np.concatenate([peak[inside], early_peak[second]])
    rises = np.concatenate([rise[inside], early_peak[second]])  # a first one faded: it rose
    return ids, onsets, scores, rises


def _neighbours(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of events of 4-connected pixels (each pair once)."""
    left, right = [], []
    for a in ids:
        for b in ids:
            for first, second in ((a[:, :-1], b[:, 1:]), (a[:-1, :], b[1:, :])):
                both = (first >= 0) & (second >= 0)
                left.append(first[both])
                right.append(second[both])
    return np.concatenate(left), np.concatenate(right)


def _cuts(
    onsets: np.ndarray, min_area: int, tolerance: int, start: int | None = None
) -> np.ndarray:
    """Return the onsets that cut a region's onset histogram between its modes.

    Two neighbouring modes stay one when they are at most ``tolerance`` groups apart (one
    less from a mode at ``start``, the first usable group), when either has fewer than
    ``min_area`` events, or when the valley between them is higher than half the lower mode.
    """
    origin = int(onsets.min())
    counts = np.bincount(onsets - origin).astype(float)
    padded = np.concatenate([[-1.0], counts, [-1.0]])
    modes = [
        k
        for k in range(len(counts))
        if padded[k + 1] > padded[k] and padded[k + 1] >= padded[k + 2]
    ]
    cuts: list[int] = []
    k = 0
    while k + 1 < len(modes):
        a, b = modes[k], modes[k + 1]
        valley = a + int(np.argmin(counts[a : b + 1]))
        low = min(counts[a], counts[b])
        at_start = start is not None and a + origin == start
        apart = tolerance - 1 if at_start else tolerance
        if b - a > apart and low >= min_area and counts[valley] < 0.5 * low:
            cuts.append(valley)
            k += 1
        else:  # one mode: keep the higher
            modes[k : k + 2] = [a if counts[a] >= counts[b] else b]
    return np.asarray(cuts, np.int64) + origin


def _pieces(n: int, left: np.ndarray, right: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Label the events joined by neighbour pairs on the same side of every cut."""
    same = side[left] == side[right]
    graph = coo_matrix((np.ones(int(same.sum())), (left[same], right[same])), (n, n))
    return connected_components(graph, directed=False)[1]


def _split(
    inside: np.ndarray,
    peak: np.ndarray,
    onset: np.ndarray,
    rise: np.ndarray,
    early: np.ndarray,
    early_peak: np.ndarray,
    threshold: float,
    min_area: int,
    tolerance: int,
    weak_ratio: float,
    quantile: float,
    start: int | None = None,
) -> list[Segment]:
    """Split one region (box coordinates) into showers."""
    ids, onsets, scores, rises = _events(inside, peak, onset, rise, early, early_peak)
    left, right = _neighbours(ids)
    cuts = _cuts(onsets, min_area, tolerance, start)
    side = np.searchsorted(cuts, onsets, side="left")
    # a piece with an onset of its own, in a region that passed the threshold, needs less
    needed = threshold * (weak_ratio if len(cuts) else 1.0)
    piece = _pieces(len(onsets), left, right, side)
    order = np.argsort(piece, kind="stable")
    bounds = np.searchsorted(piece[order], np.arange(piece.max() + 2))
    members = {p: list(order[bounds[p] : bounds[p + 1]]) for p in range(piece.max() + 1)}
    touching: dict[int, set[int]] = {p: set() for p in members}
    for a, b in set(zip(piece[left].tolist(), piece[right].tolist(), strict=True)):
        if a != b:
            touching[a].add(b)
            touching[b].add(a)
    median = {p: float(np.median(onsets[m])) for p, m in members.items()}
    first = {
        p: float(np.quantile(onsets[m], quantile)) if len(m) >= min_area else np.inf
        for p, m in members.items()
    }

    def weak(p: int) -> bool:
        return len(members[p]) < min_area or scores[members[p]].max() < needed

    while True:  # each weak piece, smallest first, into the neighbour of closest onset
        pairs = [
            (len(members[a]), abs(median[a] - median[b]), a, b)
            for a in members
            if weak(a)
            for b in touching[a]
        ]
        if not pairs:
            break
        *_, a, b = min(pairs)
        members[b] += members.pop(a)
        median[b] = float(np.median(onsets[members[b]]))
        first[b] = min(first[b], first.pop(a))
        for c in touching.pop(a):
            touching[c].discard(a)
            if c != b:
                touching[c].add(b)
                touching[b].add(c)
    pixel = np.concatenate([np.flatnonzero(ids[0] >= 0), np.flatnonzero(ids[1] >= 0)])
    found = []
    for p, listed in members.items():
        if weak(p):
            continue
        events = np.asarray(listed)
        flat = np.unique(pixel[events])
        rows, cols = np.unravel_index(flat, inside.shape)
        at = np.searchsorted(flat, pixel[events])
        best, most = np.zeros(len(flat), np.float32), np.zeros(len(flat), np.float32)
        np.maximum.at(best, at, scores[events])
        np.maximum.at(most, at, rises[events])
        start = int(min(first[p], np.quantile(onsets[events], quantile)))
        found.append(Segment(rows, cols, most, best, onsets[events], start, float(best.max())))
    return found
