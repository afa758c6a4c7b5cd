"""Find candidate showers in a ramp from the statistics of its difference frames.

The detector streams difference frames one plane at a time (`frames`, `statistics`,
`cusum`); memory is a few planes per worker, plus 20 bytes a pixel per integration kept
between the two passes (when that fits in 400 MB; otherwise they are read a third time).

1. Pooled statistics: per-pixel count, sum and sum of squares of the difference frames of
   all integrations, over the pixels and groups not flagged DO_NOT_USE, SATURATED or
   JUMP_DET.
2. For each integration i, its own sums are read again and taken out of the pooled sums:
   the *reference* rate and noise of every pixel come from the other integrations only.
   Stars, extended sources and bad columns, the same in every integration, cancel; a glow
   that lasts most of integration i cannot raise its own reference and hide itself. The
   same pass keeps the lowest mean of a few runs of i's own groups (a glow only adds
   charge); where the other integrations' mean is significantly above it, a shower there
   raised it, and i's own runs give the reference, so that it cannot hide a shower of i.
   With one integration the reference is the lowest run mean: a glow that starts in the
   ramp, or decays from before it, stands out; a constant source does not. A decaying
   glow left in that lowest run (under a later shower) would hide: where, on a shower's
   scale, the first run is above the lowest and the lowest above the sky around
   (`sky`), a second CUSUM against the sky gives those pixels the glow's earlier
   excursion (step 3). A glow begun within the first run that barely decays is in every
   run: where, on a shower's scale, the lowest run is above the mean of the first two
   differences and above the sky, that step is taken off the reference, and those pixels
   are left out of the frame medians of step 3.
3. Each difference frame of integration i becomes an excess significance
   ``(d - reference) / noise``; flagged pixels count as 0 (ordinary cosmic rays and the
   primary hit of a shower drop out), and the frame's median excess is taken off (offsets
   common to the whole frame). It is smoothed by a Gaussian on the scale of a shower (a
   matched filter, renormalised to unit noise) and fed to a per-pixel CUSUM
   ``C = max(0, C + S - drift)``: glows that persist or decay over several groups build
   up, single-group noise does not. A pixel's onset is the group where its CUSUM last rose
   from zero before reaching its peak; where an earlier excursion had already passed
   ``threshold / 2`` (a shower that faded before another began there), its onset is kept
   too.

Pixels whose peak CUSUM passes ``threshold`` seed regions grown down to ``threshold / 4``
(hysteresis), at least ``min_area`` pixels. Showers that touch or overlap share a region:
`segments` splits it where the onsets of its pixels fall into separate modes (more
than ``tolerance`` groups apart; one less from a mode at the first usable group, where the
onsets of a glow already there pile up as they cannot be earlier), so each shower gets its
own onset and ellipse (a piece with an onset of its own needs half the threshold: its
region passed it). Line-like pieces (about a pixel wide under the smoothing and over 4
times longer than wide: a column that brightens in one integration only) are dropped. Each
piece gives a shower:

- its first group is an early quantile (``early``) of the onsets of its pixels, never
  their median: masking must start where the glow first appears;
- its ellipse comes from the second moments of its pixels whose CUSUM reached
  ``footprint`` times the piece's 95th percentile (or ``median_footprint`` times its
  median, where a brighter later shower on top of part of it raised the highest) and kept
  rising after their onset (the glow that persists, not the blur of a bright one or a
  one-frame flash), the smoothing's variance taken off a bright one's, scaled by
  ``cover``; where the ellipse of a later shower reaches over pixels nearer to an earlier
  one, the earlier one is widened to cover them, and an earlier shower grows over the
  band (``reach`` pixels) of a brighter later one's ellipse around it, whose smoothed
  glow spreads over its edge and gives those pixels the later onset; a smaller, fainter
  later shower begun on a bigger one's glow (no excursion of its own where they overlap)
  takes that one's pixels within ``into`` into its moments (`ellipses`);
- its score is the peak CUSUM (in units of the smoothed noise).

A faint candidate centred on pixels that saturate in two integrations (a saturating star's
wings, usable for a few groups) is dropped (`static`). Each candidate's glow is then
followed into the next integration (`carry`), and glows already there at group 0 are
found by their decay, or by their excess over the integration before (`decay`).

A glow already there in the first usable difference frame ``g0`` (``SCI[g0] - SCI[g0-1]``;
``g0`` is 2 when group 0 is DO_NOT_USE, as in MIRI ramps) began at or before ``g0``, maybe
before the integration: it is reported at group ``g0 - 1``, which masks like any earlier
group because fewer than two usable groups precede it.

Known limits: with one integration, a glow already there in the first two usable
differences that barely decays looks like a constant source and is not found; and a faint
or idle glow under a later, brighter shower that decays too little between the first run
and the lowest raises the lowest run mean there, so that those pixels take the later onset
(beyond the band its ellipse grows over). Two showers that begin within ``tolerance``
groups of each other and touch are one candidate. A later shower on top of an earlier one
whose glow still lasts is not separated from it (the pixels have one excursion): the
candidate starts early, never late. Onsets tend to be a group or two early (masking a
group more, never one less).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect import statistics as stats
from napari_showermask.detect.carry import carried_over
from napari_showermask.detect.decay import EXCESS, HALVES, decay_candidates, glow_maps
from napari_showermask.detect.params import DetectionParams
from napari_showermask.detect.provenance import rounded
from napari_showermask.detect.search import pooled_sums, search_integration
from napari_showermask.detect.static import off_saturating_sources, saturating_sources
from napari_showermask.detect.threads import Run

__all__ = ["DetectionCancelled", "DetectionParams", "detect_showers"]


class DetectionCancelled(Exception):
    """Raised by `detect_showers` when its ``cancelled`` callback returns True."""


_KEEP_BYTES = 400_000_000
_HALF = 8  # fewest differences in each half of the last integration for the decay search


def detect_showers(
    product: Product,
    params: DetectionParams | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int = 2,
) -> list[Shower]:
    """Propose candidate showers in a ramp product.

    Parameters
    ----------
    product : Product
        An open ramp (`napari_showermask.core.products.open_product`).
    params : DetectionParams, optional
        The tuning; ``DetectionParams()`` (the tuned defaults) when omitted.
    progress : callable, optional
        Called with the fraction done: 0.0 first, 1.0 last, never decreasing (from the
        worker threads, or from the calling thread with one worker).
    cancelled : callable, optional
        Polled once per plane read; when it returns True the run stops and raises
        `DetectionCancelled`: there is no partial result.
    workers : int
        Threads; integrations are shared among them (numpy and scipy release the GIL).
        With one (or one integration) the work runs in the calling thread.

    Returns
    -------
    list of Shower
        Centres and axes to 0.01 pixel, theta to 0.1 degree (`provenance.rounded`);
        ``extra`` has ``score`` (peak CUSUM) and ``source='detect'``; sorted by integration,
        then by score, highest first.

    Raises
    ------
    ShowerMaskError
        The product is not a ramp, or has fewer than 3 usable difference frames.
    DetectionCancelled
        ``cancelled`` returned True.
    """
    if product.kind != "ramp":
        raise ShowerMaskError(f"{product.path}: detection needs a ramp, not a {product.kind}")
    params = DetectionParams() if params is None else params
    groups = stats.usable_groups(product)
    if len(groups) < 3:
        raise ShowerMaskError(f"{product.path}: fewer than 3 usable groups to detect showers")
    nints, bad = product.nints, stats.bad_pixels(product)
    # each integration's own statistics (20 bytes a pixel: sums, lowest run mean and its
    # variance) are kept from the first pass when they fit in _KEEP_BYTES, else read again
    keep = nints > 1 and nints * 20 * math.prod(product.image_shape) <= _KEEP_BYTES
    passes = 2 if nints == 1 or keep else 3
    # the last integration's two halves are read once more for the decay search (it has
    # no later integration to be compared with)
    halves = len(groups) // 2 if len(groups) >= 2 * _HALF else 0
    planes = passes * nints * len(groups) + (len(groups) if halves else 0)
    run = Run(planes, progress, cancelled, DetectionCancelled)
    run.progress(0.0)
    workers = max(1, min(int(workers), nints))
    shares = [list(range(nints))[k::workers] for k in range(workers)]
    parts: list[stats.Sums] = []
    kept: dict[int, tuple[stats.Sums, stats.Runs]] = {}
    results: list[list[Shower]] = [[] for _ in range(nints)]
    pooled: stats.Sums | None = None

    def pool(share: list[int]) -> None:
        if not keep:
            parts.append(stats.sums(product, share, groups, bad, run.step))
            return
        for i in share:
            kept[i] = stats.runs(product, i, groups, bad, run.step)

    def search(share: list[int]) -> None:
        for i in share:
            own = kept.pop(i) if keep else None
            results[i] = search_integration(product, i, groups, bad, params, run.step, pooled, own)

    if nints > 1:
        run.in_threads(pool, shares)
        # added up once, here, not in every worker
        pooled = pooled_sums(
            [own for own, _ in kept.values()] if keep else parts, product.image_shape
        )
    parts.clear()
    # the decay search compares each integration with the last (only when their sums
    # were kept), and the two halves of the last integration (one more pass over it)
    last = nints - 1
    full = len(groups)
    pairs = [(i, kept[i][0], kept[last][0], full, 0.0) for i in range(last) if keep]
    if keep:  # an integration brighter than the one before: a glow begun in between
        pairs += [(i, kept[i][0], kept[i - 1][0], full, EXCESS) for i in range(1, nints)]
    run.in_threads(search, shares)
    pooled = None  # its planes are not needed any more
    if halves:
        early = stats.sums(product, [last], groups[:halves], bad, run.step)
        late = stats.sums(product, [last], groups[halves:], bad, run.step)
        pairs.append((last, early, late, halves, HALVES))
        del early, late
    maps = glow_maps(pairs, params)
    del pairs  # the sums' planes, before following the glows
    static = saturating_sources(product)
    found = [s for showers in results for s in showers]
    found = off_saturating_sources(found, static, params.threshold)
    carried = carried_over(product, groups, bad, found, params)
    for shower in carried:  # the search's own candidates, also those just dropped: a glow
        results[shower.integration].append(shower)  # under one is not proposed either
    found += carried + decay_candidates(maps, nints, groups, params, results)
    del maps
    run.progress(1.0)
    return rounded(sorted(found, key=lambda s: (s.integration, -s.extra["score"])))
