"""Find glows already there at the first group, by their decay from one integration to the next.

A shower from the idle time before the exposure, or from an earlier integration, glows at
group 0 with no jump at all: within an integration it looks like a faint static source.
What gives it away is its decay: a glow only fades, a source stays. Between two
integrations of the same exposure the rate of such a glow drops; a star's, an extended
source's or the sky's does not.

For each integration ``i`` before the last, from the sums the detector's first pass keeps
(`statistics.runs`), and for the last (or only) integration from its two halves (each
integration after the first is also compared with the one before it the other way round,
``D = m_i - m_(i-1)`` in step 1: a region brighter than before is a glow begun in
between, in the idle time or at the reset, or a shower the search missed):

1. The mean usable difference of every pixel, ``m_i`` (DN per group), and the drop
   ``D = m_i - m_last`` to the last integration (the longest lever arm on a decay). Rows
   have their median drop taken off (row-correlated noise and frame-wide changes such as
   the reset-anomaly residue).
2. Its noise comes from a photon-transfer fit over the frame (`noise_model`): the variance
   of one difference is ``a + b * m`` (read noise, and photon noise growing with the
   signal), and a mean of ``c`` contiguous differences has ``a / c**2 + b * m / c`` (a
   ramp's differences telescope), plus a floor of ``glow_floor`` times the pixel's own
   signal (bright and saturating stars: what their ramps leave after the linearity
   correction is never a glow). Pixels with fewer than half their differences usable in
   either integration (saturating cores, bad pixels) count as 0.
3. The significance ``D / noise`` is smoothed by a Gaussian of ``glow_scale`` pixels (a
   matched filter on the scale of a faint glow, renormalised to unit noise, and scaled
   by the frame's robust spread when that is larger). Regions where it passes
   ``glow_threshold``, grown down to half of it, of at least ``glow_min_area`` pixels,
   are glows (one noise unit more, `HALVES`, between the halves of an integration: a
   glow there since the idle time or the reset of the last integration, which has no
   later one to be compared with; one already found from an earlier integration is not
   proposed again; and one more, `EXCESS`, for an integration's excess over the one
   before).

Each glow becomes a candidate from the integration's first group (``g0 - 1``, which
masks the whole integration for those pixels, as for any glow found at ``g0``) in
integration ``i`` and in every later integration (a glow that fades over one integration
is still there in the next), with the ellipse of the region's second moments (its
semi-axes twice the standard deviations, so that the ellipse holds the region), unless a
candidate of the search, or a glow followed from an earlier integration (`carry`),
already covers the glow's peak in that integration (a shower begun in the integration is
brighter there than later: the search gave it its onset).

Known limit: a glow that decays by less than the noise between the integrations, or
within the last one (a slow tail, short integrations), is not found.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from astropy.stats import sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning
from scipy.ndimage import binary_dilation, gaussian_filter
from skimage.measure import label, regionprops

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.shower import Shower
from napari_showermask.detect.params import DetectionParams

__all__ = ["EXCESS", "HALVES", "decay_candidates", "glow_maps", "noise_model"]

HALVES = 1.0  # more significance a glow needs between the halves of an integration
# (they share its reset and any drift within it), and over the integration before (a second
# comparison of the same frames: more noise peaks to pass the threshold)
EXCESS = 1.0
LINE = 4.0  # regions longer than this many times their width are lines
CLIP = 3.0  # most a pixel's significance counts, either way

#: Per integration: count, sum and sum of squares of the usable differences.
Sums = tuple[np.ndarray, np.ndarray, np.ndarray]


def noise_model(mean: np.ndarray, variance: np.ndarray, usable: np.ndarray) -> tuple[float, float]:
    """Fit the variance of one difference as ``a + b * mean`` over a frame, robustly.

    The pixels are cut into 20 bins of equal count by their mean; the line goes through
    the bins' median mean and median variance (showers, stars and hits in a few pixels
    do not move a median).

    Parameters
    ----------
    mean, variance : numpy.ndarray
        Per pixel: the mean and the variance of its usable differences, DN per group.
    usable : numpy.ndarray of bool
        Pixels to fit.

    Returns
    -------
    (a, b) : (float, float)
        ``a`` > 0 (twice the read noise variance), ``b`` >= 0 (the inverse gain).
    """
    m, v = mean[usable].astype(np.float64), variance[usable].astype(np.float64)
    if m.size < 40:
        return max(float(np.median(v)) if v.size else 1.0, 1e-6), 0.0
    order = np.argsort(m)
    bins = np.array_split(order, 20)
    mx = np.array([np.median(m[b]) for b in bins])
    vy = np.array([np.median(v[b]) for b in bins])
    if np.ptp(mx) <= 0:
        return max(float(np.median(vy)), 1e-6), 0.0
    b, a = np.polyfit(mx, vy, 1)
    b = max(float(b), 0.0)
    a = float(np.median(vy - b * mx))
    return max(a, 1e-6), b


def _kernel_norm(scale: float) -> float:
    """Root sum of squares of the Gaussian kernel `gaussian_filter` applies at ``scale``."""
    half = int(math.ceil(4 * scale))
    impulse = np.zeros((2 * half + 1, 2 * half + 1))
    impulse[half, half] = 1.0
    return float(np.sqrt(np.square(gaussian_filter(impulse, scale)).sum()))


def _smoothed(z: np.ndarray, scale: float) -> np.ndarray:
    """Gaussian smoothing with nothing beyond the edges (a mirrored edge would count twice)."""
    return np.asarray(gaussian_filter(z, scale, mode="constant", cval=0.0))


def _moments(sums: Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each pixel's count, mean and variance of its usable differences."""
    count = np.asarray(sums[0], np.float64)
    c = np.maximum(count, 1.0)
    mean = np.divide(sums[1], c, dtype=np.float64)
    variance = np.divide(sums[2], c, out=c, dtype=np.float64)  # in place: few planes
    variance -= np.square(mean)
    return count, mean, variance


def _variance_of_mean(
    count: np.ndarray, mean: np.ndarray, full: int, a: float, b: float, floor: float
) -> np.ndarray:
    """Variance of a pixel's mean difference (read noise telescopes; photon noise does not)."""
    c = np.maximum(count, 1.0)
    # a * gaps / c**2 + b * max(mean, 0) / c + (floor * mean)**2, in place (few planes)
    variance = np.maximum(np.subtract(full, count), 0.0)
    variance += 1.0  # each left-out difference breaks the telescope
    variance *= a
    variance /= np.square(c)
    photon = np.maximum(mean, 0.0)
    photon *= b
    photon /= c
    variance += photon
    variance += np.square(np.multiply(mean, floor, out=photon), out=photon)
    return variance


def glow_significance(first: Sums, last: Sums, full: int, params: DetectionParams) -> np.ndarray:
    """Return the smoothed significance of the drop in rate from one integration to another.

    Parameters
    ----------
    first, last : Sums
        The earlier and the later integration's sums of usable differences.
    full : int
        Number of usable differences of an integration.
    params : DetectionParams

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` float64, unit noise where no glow fades.
    """
    (c0, m0, s0), (c1, m1, s1) = _moments(first), _moments(last)
    both = (c0 >= full) & (c1 >= full)
    s0 += s1  # only the fit uses the variances: their mean, in place
    s0 *= 0.5
    del s1
    a, b = noise_model(0.5 * (m0 + m1), s0, both)
    v0 = _variance_of_mean(c0, m0, full, a, b, params.glow_floor)
    v0 += _variance_of_mean(c1, m1, full, a, b, params.glow_floor)
    half = max(2, full / 2)
    usable = (c0 >= half) & (c1 >= half) & np.isfinite(m0) & np.isfinite(m1)
    del c0, s0, c1  # the planes the loop below does not need, as soon as it can
    drop = np.subtract(m0, m1, out=m0)
    drop[~usable] = np.nan
    del m1
    noise = np.sqrt(np.where(usable, v0, 1.0))
    del v0
    norm = _kernel_norm(params.glow_scale)
    grow = int(math.ceil(params.glow_scale))
    strong = np.zeros(drop.shape, bool)
    for _ in range(2):
        # row offsets (row-correlated noise, the reset residue), robust, measured away
        # from the strong features found so far (a big glow would bias its rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # rows with nothing left
            _, rows, _ = sigma_clipped_stats(
                np.where(strong, np.nan, drop), axis=1, sigma=3.0, maxiters=3
            )
        z = np.where(usable, (drop - np.nan_to_num(np.asarray(rows))[:, None]) / noise, 0.0)
        # a bright shower's own pixels count as a strong one, either way
        np.clip(z, -CLIP, CLIP, out=z)
        strong = np.abs(_smoothed(z, params.glow_scale) / norm) > CLIP
        strong = binary_dilation(strong, iterations=grow)
    # the pixels of a shower brighter in the later integration (begun there) count
    # as unknown: they must not pull their neighbours down
    faded = _smoothed(z, params.glow_scale) / norm
    z[strong & (faded < 0)] = 0.0
    smooth = _smoothed(z, params.glow_scale) / norm
    spread = 1.4826 * float(np.median(np.abs(smooth - np.median(smooth))))
    return np.asarray(smooth / max(spread, 1.0))


def glow_maps(
    pairs: list[tuple[int, Sums, Sums, int, float]], params: DetectionParams
) -> list[tuple[int, np.ndarray, float]]:
    """Return each comparison's significance map, so that its sums can be let go.

    Parameters
    ----------
    pairs : list of (int, Sums, Sums, int, float)
        Each comparison: the integration it finds glows in; the sums of usable
        differences expected to be the brighter and the fainter there (two integrations,
        or the two halves of the last one); the number of usable differences each sum has
        at most (fewer than the usable groups for halves); and the significance a glow
        needs above ``glow_threshold`` (`HALVES`, `EXCESS`, or 0).
    params : DetectionParams

    Returns
    -------
    list of (int, numpy.ndarray, float)
        The integration, the map (`glow_significance`) and the threshold a glow's peak
        must pass there.
    """
    if params.glow_threshold <= 0:
        return []
    return [
        (i, glow_significance(brighter, fainter, full, params), params.glow_threshold + more)
        for i, brighter, fainter, full, more in pairs
    ]


def decay_candidates(
    maps: list[tuple[int, np.ndarray, float]],
    nints: int,
    groups: list[int],
    params: DetectionParams,
    found: list[list[Shower]],
) -> list[Shower]:
    """Return candidate glows present from the first group, found by their decay.

    Parameters
    ----------
    maps : list of (int, numpy.ndarray, float)
        From `glow_maps`.
    nints : int
        Integrations of the ramp: a glow found in one is a candidate in the later ones too
        (a glow that fades from one integration to the last is a slow tail, of minutes).
    groups : list of int
        The usable groups.
    params : DetectionParams
    found : list of list of Shower
        Per integration, the search's candidates (also those dropped on saturating
        stars) and the glows followed into it from earlier integrations.

    Returns
    -------
    list of Shower
        Group ``groups[0] - 1``; ``extra`` has ``score`` (the peak smoothed significance)
        and ``source='detect'``.
    """
    if not maps:
        return []
    shape = maps[0][1].shape
    out: list[Shower] = []
    for i, z, threshold in maps:
        regions = label(z >= threshold / 2)
        for region in regionprops(regions, intensity_image=z):
            if region.area < params.glow_min_area or region.intensity_max < threshold:
                continue
            if region.axis_major_length > LINE * max(region.axis_minor_length, 1.0):
                continue  # a column or a row that changed, not a glow
            inside = np.where(regions == region.label, z, -np.inf)
            peak = np.unravel_index(np.argmax(inside), shape)
            top = regions == region.label
            core = regionprops(top.astype(np.uint8))[0]
            cy, cx = core.centroid
            major = max(core.axis_major_length / 2, 2.0)
            minor = max(core.axis_minor_length / 2, 2.0)
            theta = math.degrees(-core.orientation) + 90.0
            score = round(float(region.intensity_max), 2)
            first = max(groups[0] - 1, 0)
            mine = [s for s in found[i] if s.group >= first]
            if any(ellipse_mask(s, shape)[peak] for s in mine):
                continue  # a shower begun in integration i: the search gave its onset
            if any(s.integration == i and ellipse_mask(s, shape)[peak] for s in out):
                continue  # found already, from an earlier integration
            for k in range(i, nints):
                out.append(
                    Shower(
                        k,
                        first,
                        float(cx),
                        float(cy),
                        float(major),
                        float(minor),
                        theta % 180.0,
                        extra={"score": score, "source": "detect"},
                    )
                )
    return _unique(out)


def _unique(showers: list[Shower]) -> list[Shower]:
    """Drop repeats of the same glow in the same integration (found from two integrations)."""
    seen: set[tuple[int, float, float]] = set()
    out = []
    for s in showers:
        key = (s.integration, round(s.x), round(s.y))
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
