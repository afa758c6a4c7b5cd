"""Find candidate showers in a ramp from the statistics of its difference frames.

The detector streams difference frames one plane at a time (memory: a few planes per
integration) in two passes:

1. For every integration, per-pixel mean and variance of its difference frames over the
   groups not flagged DO_NOT_USE, SATURATED or JUMP_DET (Welford's running formulae).
2. For integration i the *reference* rate and noise of each pixel come from the other
   integrations, so that stars, extended sources and bad columns, which are the same in
   every integration, cancel, and a glow that lasts most of the ramp cannot raise its own
   reference and hide itself. With one integration the second half of its groups serves.
   Each difference frame becomes an excess significance ``(d - reference) / noise`` (flagged
   pixels count as 0, so ordinary cosmic rays and the primary hit drop out), smoothed by
   a Gaussian on the scale of a shower (a matched filter, renormalised to unit noise), and
   fed to a per-pixel CUSUM ``C = max(0, C + S - drift)``: glows that persist or decay over
   several groups accumulate, single-group noise does not. The group where a pixel's
   CUSUM last left zero before its maximum is its onset.

Pixels whose maximum CUSUM passes ``threshold`` seed regions grown down to
``threshold / 3`` (hysteresis); regions smaller than ``min_area`` are dropped. Each region
gives a shower: its onset is the median onset of its pixels, its ellipse comes from the
second moments of the region (scaled to cover it), its score is the peak CUSUM.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import ndimage
from skimage.filters import apply_hysteresis_threshold
from skimage.measure import label, regionprops
from stdatamodels.jwst.datamodels import dqflags

from .catalog import Shower
from .errors import ShowerMaskError
from .products import Product

__all__ = ["DetectionCancelled", "detect_showers"]

_BAD = dqflags.group["DO_NOT_USE"] | dqflags.group["SATURATED"] | dqflags.group["JUMP_DET"]


class DetectionCancelled(Exception):
    """Raised by `detect_showers` when its ``cancelled`` callback returns True."""


class _Run:
    """Progress and cancellation of one detection run."""

    def __init__(self, total, progress, cancelled):
        self.done, self.total = 0, max(total, 1)
        self.progress = progress or (lambda fraction: None)
        self.cancelled = cancelled or (lambda: False)

    def step(self) -> None:
        if self.cancelled():
            raise DetectionCancelled("shower detection cancelled")
        self.done += 1
        self.progress(min(self.done / self.total, 1.0))


def _usable_groups(product: Product) -> list[int]:
    """Return the groups whose difference frame is worth reading (not all DO_NOT_USE)."""
    groups = []
    for g in range(1, product.ngroups):
        flags = product.read("GROUPDQ", (0, g, slice(None, None, 16), slice(None, None, 16)))
        if not np.all(flags & dqflags.group["DO_NOT_USE"]):
            groups.append(g)
    return groups


def _frames(product: Product, integration: int, groups: list[int]):
    """Yield (group, difference frame with flagged pixels as NaN) for one integration."""
    previous_group, previous = None, None
    for g in groups:
        if previous_group != g - 1:
            previous = product.read("SCI", (integration, g - 1)).astype(np.float32)
        current = product.read("SCI", (integration, g)).astype(np.float32)
        frame = current - previous
        bad = (product.read("GROUPDQ", (integration, g)) & _BAD) != 0
        bad |= (product.read("GROUPDQ", (integration, g - 1)) & dqflags.group["SATURATED"]) != 0
        frame[bad] = np.nan
        previous_group, previous = g, current
        yield g, frame


def _statistics(product, integration, groups, run):
    """Per-pixel count, mean and sum of squared deviations of the unflagged differences."""
    shape = product.image_shape
    count, mean, m2 = (np.zeros(shape, np.float32) for _ in range(3))
    for _, frame in _frames(product, integration, groups):
        ok = np.isfinite(frame)
        count += ok
        delta = np.where(ok, frame - mean, np.float32(0))
        mean += np.divide(delta, count, out=np.zeros(shape, np.float32), where=count > 0)
        m2 += np.where(ok, delta * (frame - mean), np.float32(0))
        run.step()
    return count, mean, m2


def _reference(stats, integration):
    """Return the reference rate and noise of each pixel of an integration, from the others."""
    others = [s for n, s in enumerate(stats) if n != integration] or stats
    count = sum(s[0] for s in others)
    mean = sum(s[0] * s[1] for s in others) / np.maximum(count, 1)
    m2 = sum(s[2] + s[0] * (s[1] - mean) ** 2 for s in others)
    sigma = np.sqrt(m2 / np.maximum(count - 1, 1))
    typical = np.nanmedian(sigma[count > 2]) if np.any(count > 2) else 1.0
    sigma = np.where(count > 2, np.maximum(sigma, 0.5 * typical), np.inf)
    return mean, sigma


def _cusum(product, integration, groups, reference, scale, drift, run):
    """Return per-pixel maximum CUSUM and the onset group of that maximum."""
    mean, sigma = reference
    shape = product.image_shape
    gain = 2 * math.sqrt(math.pi) * scale  # unit-variance white noise stays unit variance
    cusum, best = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    start = np.full(shape, groups[0], np.int32)
    onset = np.full(shape, groups[0], np.int32)
    for g, frame in _frames(product, integration, groups):
        excess = np.nan_to_num((frame - mean) / sigma, nan=0.0, posinf=0.0, neginf=0.0)
        smooth = ndimage.gaussian_filter(excess.astype(np.float32), scale) * gain
        cusum = np.maximum(cusum + smooth - drift, 0.0)
        start = np.where(cusum == 0, g + 1, start)
        better = cusum > best
        best = np.where(better, cusum, best)
        onset = np.where(better, start, onset)
        run.step()
    return best, onset


def _shower(integration, region, onset, first_usable, cover):
    """Make a shower of a labelled region: median onset, moment ellipse, peak score."""
    rows, cols = region.coords[:, 0], region.coords[:, 1]
    weights = region.image_intensity[region.image]
    group = int(np.median(onset[rows, cols]))
    group = 0 if group <= first_usable else group
    x, y = float(cols.mean()), float(rows.mean())
    cov = np.cov(np.vstack([cols, rows])) if len(rows) > 1 else np.eye(2) * 0.25
    eigen, vectors = np.linalg.eigh(cov)
    minor, major = (2 * math.sqrt(max(v, 0.25)) * cover for v in eigen)
    theta = math.degrees(math.atan2(vectors[1, 1], vectors[0, 1])) % 180.0
    score = float(weights.max())
    extra = {"score": round(score, 2), "source": "detect"}
    return Shower(integration, group, x, y, major + 0.5, minor + 0.5, theta, extra=extra)


def detect_showers(
    product: Product,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    scale: float = 2.5,
    drift: float = 1.0,
    threshold: float = 25.0,
    min_area: int = 20,
    cover: float = 1.15,
    workers: int = 2,
) -> list[Shower]:
    """Propose candidate showers in a ramp product.

    Parameters
    ----------
    product : Product
        An open ramp (`napari_showermask.products.open_product`).
    progress : callable, optional
        Called with the fraction done (0 to 1).
    cancelled : callable, optional
        Polled once per plane; when it returns True, `DetectionCancelled` is raised and
        nothing is returned.
    scale : float
        Gaussian matched-filter width in pixels (the scale of a shower's glow).
    drift : float
        CUSUM drift, in units of the smoothed significance per group.
    threshold : float
        Peak CUSUM a region needs to be proposed; it is grown down to a third of this.
    min_area : int
        Smallest region, in pixels.
    cover : float
        Factor applied to the moment ellipse so that it covers the region.
    workers : int
        Integrations processed in parallel.

    Returns
    -------
    list of Shower
        ``extra`` has ``score`` (peak CUSUM) and ``source='detect'``; sorted by integration,
        then by score, highest first.

    Raises
    ------
    ShowerMaskError
        The product is not a ramp, or has fewer than 3 usable groups.
    DetectionCancelled
        ``cancelled`` returned True.
    """
    if product.kind != "ramp":
        raise ShowerMaskError(f"{product.path}: detection needs a ramp, not a {product.kind}")
    groups = _usable_groups(product)
    if len(groups) < 3:
        raise ShowerMaskError(f"{product.path}: fewer than 3 usable groups to detect showers")
    nints = product.nints
    run = _Run(2 * nints * len(groups), progress, cancelled)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        if nints > 1:
            jobs = [pool.submit(_statistics, product, i, groups, run) for i in range(nints)]
            stats = [job.result() for job in jobs]
        else:
            late = groups[len(groups) // 2 :]
            stats = [_statistics(product, 0, late, run)]
            run.done += len(groups) - len(late)
        jobs = [
            pool.submit(_cusum, product, i, groups, _reference(stats, i), scale, drift, run)
            for i in range(nints)
        ]
        results = [job.result() for job in jobs]
    showers = []
    for integration, (best, onset) in enumerate(results):
        regions = apply_hysteresis_threshold(best, threshold / 3, threshold)
        labelled = label(regions)
        found = [
            _shower(integration, region, onset, groups[0], cover)
            for region in regionprops(labelled, intensity_image=best)
            if region.area >= min_area
        ]
        showers += sorted(found, key=lambda s: -s.extra["score"])
    return showers
