"""Find candidate showers in a ramp from the statistics of its difference frames.

The detector streams difference frames one plane at a time (`_difference_stats`,
`_cusum`); memory is a few planes per worker, plus 20 bytes a pixel per integration kept
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
   (`_background`), a second CUSUM against the sky gives those pixels the glow's earlier
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
`_segmentation` splits it where the onsets of its pixels fall into separate modes (more
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
  takes that one's pixels within ``into`` into its moments (`_candidates`);
- its score is the peak CUSUM (in units of the smoothed noise).

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
from typing import Any

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect import statistics as stats
from napari_showermask.detect.cusum import Cusum, cusum
from napari_showermask.detect.ellipses import candidates
from napari_showermask.detect.segments import segments
from napari_showermask.detect.sky import glow_reference, rising_reference
from napari_showermask.detect.threads import Run

__all__ = ["DetectionCancelled", "detect_showers"]


class DetectionCancelled(Exception):
    """Raised by `detect_showers` when its ``cancelled`` callback returns True."""


_KEEP_BYTES = 400_000_000


def _candidates(
    integration: int, maps: Cusum, first_usable: int, tuning: dict[str, Any]
) -> list[Shower]:
    """Turn one integration's CUSUM maps into showers, highest score first."""
    found = segments(
        maps,
        tuning["threshold"],
        tuning["min_area"],
        tuning["tolerance"],
        tuning["ratio"],
        tuning["grow"],
        tuning["early"],
        first_usable,
    )
    return candidates(integration, list(found), maps.peak.shape, first_usable, tuning)


def detect_showers(
    product: Product,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    scale: float = 2.5,
    drift: float = 1.0,
    threshold: float = 15.0,
    min_area: int = 20,
    cover: float = 1.15,
    tolerance: int = 2,
    early: float = 0.1,
    footprint: float = 0.1,
    median_footprint: float = 0.3,
    level: float = 0.5,
    ratio: float = 0.5,
    grow: float = 0.25,
    reach: float = 4.0,
    widen: float = 1.3,
    cap: float = 1.2,
    brighter: float = 1.0,
    bright: float = 10.0,
    deblur: float = 0.5,
    into: float = 3.0,
    workers: int = 2,
) -> list[Shower]:
    """Propose candidate showers in a ramp product.

    Parameters
    ----------
    product : Product
        An open ramp (`napari_showermask.core.products.open_product`).
    progress : callable, optional
        Called with the fraction done: 0.0 first, 1.0 last, never decreasing (from the
        worker threads).
    cancelled : callable, optional
        Polled once per plane read; when it returns True the run stops and raises
        `DetectionCancelled`: there is no partial result.
    scale : float
        Gaussian matched-filter width in pixels (the scale of a shower's glow).
    drift : float
        CUSUM drift, in units of the smoothed significance per group.
    threshold : float
        Peak CUSUM a region needs to be proposed; it is grown down to a third of this.
        The peak of pure noise is about 6.
    min_area : int
        Smallest region, in pixels.
    cover : float
        Factor applied to the moment ellipse so that it covers the region.
    tolerance : int
        Onsets of one shower's pixels spread over up to this many groups; touching regions
        whose onsets are further apart are different showers (one group less apart from
        the first usable group: a glow already there has all its onsets on it).
    early : float
        Quantile of a shower's pixel onsets taken as its first group (0 is the earliest).
    footprint : float
        The ellipse is sized on the pixels whose CUSUM reached this fraction of the
        shower's 95th percentile (and kept rising after their onset), or
        ``median_footprint`` times its median if that is lower.
    median_footprint : float
        See ``footprint``: a brighter later shower on top of part of an earlier one (one
        excursion there) raises its 95th percentile.
    level : float
        Fraction of ``threshold`` from which a pixel's first CUSUM excursion counts as a
        shower of its own (one that faded before a later one began there).
    ratio : float
        Fraction of ``threshold`` that a piece of a region with an onset of its own needs
        to be a shower (the region as a whole passed ``threshold``).
    grow : float
        Regions are grown down to this fraction of ``threshold`` (hysteresis).
    reach : float
        Width, in pixels, of the band of a later, brighter shower's ellipse around an
        earlier one's that the earlier one grows over (the smoothing spreads a bright
        later shower over the edge of an earlier one it touches); 0 turns this off.
    widen : float
        Most the earlier ellipse is scaled up to cover its pixels and that band.
    cap : float
        Most the earlier ellipse's area grows over that band.
    brighter : float
        The later shower's score must be at least this many times the earlier one's.
    bright : float
        A shower whose score passes ``bright * threshold`` has ``deblur * scale**2``
        taken off the variance of its footprint along each axis (the smoothing widens a
        bright glow's footprint most: a thin one would come out far too wide).
    deblur : float
        See ``bright``.
    into : float
        A later shower, fainter and smaller than an earlier one beside it, sizes its
        ellipse also on that one's pixels within this many pixels of its own; 0: off.
    workers : int
        Threads; integrations are shared among them (numpy and scipy release the GIL).

    Returns
    -------
    list of Shower
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
    groups = stats.usable_groups(product)
    if len(groups) < 3:
        raise ShowerMaskError(f"{product.path}: fewer than 3 usable groups to detect showers")
    tuning: dict[str, Any] = {"scale": scale, "drift": drift, "threshold": threshold}
    tuning |= {"min_area": min_area, "cover": cover, "tolerance": tolerance}
    tuning |= {
        "early": early,
        "footprint": footprint,
        "level": level,
        "ratio": ratio,
        "grow": grow,
        "reach": reach,
        "widen": widen,
        "cap": cap,
        "brighter": brighter,
        "median_footprint": median_footprint,
        "bright": bright,
        "deblur": deblur,
        "into": into,
    }
    nints, bad = product.nints, stats.bad_pixels(product)
    # each integration's own statistics (20 bytes a pixel: sums, lowest run mean and its
    # variance) are kept from the first pass when they fit in _KEEP_BYTES, else read again
    keep = nints > 1 and nints * 20 * math.prod(product.image_shape) <= _KEEP_BYTES
    passes = 2 if nints == 1 or keep else 3
    run = Run(passes * nints * len(groups), progress, cancelled, DetectionCancelled)
    run.progress(0.0)
    workers = max(1, min(int(workers), nints))
    shares = [list(range(nints))[k::workers] for k in range(workers)]
    parts: list[stats.Sums] = []
    kept: dict[int, tuple[stats.Sums, stats.Runs]] = {}
    results: list[list[Shower]] = [[] for _ in range(nints)]

    def pool(share: list[int]) -> None:
        if not keep:
            parts.append(stats.sums(product, share, groups, bad, run.step))
            return
        for i in share:
            kept[i] = stats.runs(product, i, groups, bad, run.step)

    def search(share: list[int]) -> None:
        for i in share:
            first: list[np.ndarray] | None = [] if nints == 1 else None
            if keep:
                own, lowest = kept.pop(i)
            else:
                own, lowest = stats.runs(product, i, groups, bad, run.step, first)
            glow = risen = None
            if nints == 1:
                if first:
                    glow = glow_reference(lowest[0], lowest[1], first[0], scale)
                    lowered = rising_reference(lowest[0], lowest[1], first[1], scale)
                    if lowered is not None:
                        risen = lowered < lowest[0]
                        lowest = (lowered, lowest[1])
                reference = stats.single_reference(lowest)
                del first
            else:
                others = (pooled[0] - own[0], pooled[1] - own[1], pooled[2] - own[2])
                reference = stats.leave_one_out_reference(others, lowest)
                del others
            del own, lowest
            maps = cusum(
                product,
                i,
                groups,
                bad,
                reference,
                scale,
                drift,
                threshold * tuning["level"],
                run.step,
                glow,
                tolerance,
                risen,
            )
            del reference, glow, risen
            results[i] = _candidates(i, maps, groups[0], tuning)

    if nints > 1:
        run.in_threads(pool, shares)
        if keep:  # added up once, here, not in every worker
            shape = product.image_shape
            pooled = (np.zeros(shape), np.zeros(shape), np.zeros(shape))
            for own, _ in kept.values():
                for whole, part in zip(pooled, own, strict=True):
                    whole += part
        else:
            pooled = parts[0]
            for more in parts[1:]:
                pooled = (pooled[0] + more[0], pooled[1] + more[1], pooled[2] + more[2])
    parts.clear()
    run.in_threads(search, shares)
    run.progress(1.0)
    return [shower for found in results for shower in found]
