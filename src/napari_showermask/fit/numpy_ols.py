"""jwst's OLS ramp fit of any pixels' ramps, in numpy: the path for ramps of uncommon layout.

A transcription of stcal 1.20's ``OLS_C`` fitter (``stcal/ramp_fitting/src/slope_fitter.c``)
for one integration, vectorised over pixels (`napari_showermask.fit.olsblock` fits the
common layouts faster and hands the others here when stcal is not installed):

- a group is *good* when its GROUPDQ, without PERSISTENCE, is 0; a segment is a run of
  good groups, starting one group earlier when the group before it is flagged JUMP_DET
  and nothing else (the jump's group opens the new segment);
- if a pixel has a segment of two or more groups, its one-group segments are dropped;
  otherwise only its first one-group segment is kept (slope ``data / group_time``);
- a segment of two groups has the slope of its difference; longer ones a weighted
  least-squares slope with weights ``|(k - mid) / mid| ** P / rn**2``, the power ``P``
  taken from the segment's signal-to-noise (0, 0.4, 1, 3, 6, 10 at 5, 10, 20, 50, 100);
- segments combine weighted by their inverse read-noise variance (`combine`); the error
  combines their read-noise plus Poisson variances, the Poisson part from the median of
  the integration's first differences (`median_rate`: jumps, DO_NOT_USE and saturated
  groups left out);
- a pixel with a single good group is treated as having none (``suppress_one_group``);
  a pixel whose first group is saturated, whose groups are all DO_NOT_USE or SATURATED,
  or whose PIXELDQ has DO_NOT_USE or SATURATED gets NaN; one with no segment keeps 0.0.

Each integration is fitted on its own: stcal averages the median rate over all
integrations of a file, which changes the Poisson variance (never the slope) of files
with more than one integration.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np

from napari_showermask.core.dq import DO_NOT_USE as _DNU
from napari_showermask.core.dq import JUMP_DET as _JUMP
from napari_showermask.core.dq import PERSISTENCE as _PERS
from napari_showermask.core.dq import SATURATED as _SAT

__all__ = [
    "LARGE_VARIANCE",
    "RampFit",
    "combine",
    "invalid_pixels",
    "median_rate",
    "ols_fit",
    "snr_power_index",
]

#: stcal's signal-to-noise steps and the weighting power above each
SNR_STEPS = np.array([5.0, 10.0, 20.0, 50.0, 100.0])
POWERS = (0.0, 0.4, 1.0, 3.0, 6.0, 10.0)
LARGE_VARIANCE = 1e6  # stcal's LARGE_VARIANCE_THRESHOLD: larger variances become 0
NOT_PERSISTENCE = np.uint8(~_PERS & 0xFF)
_FEW_SEGMENTS = 4  # pixels with more are fitted apart: each segment is a pass over all


class RampFit(NamedTuple):
    """One integration's fit per pixel, float32, as stcal's ``rateints`` arrays.

    ``rate`` in DN/s (NaN where jwst gives NaN), ``var_poisson`` and ``var_rnoise`` in
    (DN/s)**2, ``err`` the 1-sigma error in DN/s (0 where the rate is NaN).
    """

    rate: np.ndarray
    var_poisson: np.ndarray
    var_rnoise: np.ndarray
    err: np.ndarray


def ols_fit(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    rnoise: np.ndarray,
    gain: np.ndarray,
    group_time: float,
    errors: bool = True,
) -> RampFit:
    """Fit the ramps of any pixels of one integration.

    Parameters
    ----------
    data : numpy.ndarray
        ``(ngroups, npixels)`` DN, after jwst's MIRI first/last group discard.
    groupdq : numpy.ndarray
        ``(ngroups, npixels)`` uint8.
    pixeldq : numpy.ndarray
        ``(npixels,)`` unsigned.
    rnoise : numpy.ndarray
        ``(npixels,)`` read noise of one read, in electrons (stcal's scaled read noise).
    gain : numpy.ndarray
        ``(npixels,)`` e-/DN.
    group_time : float
        Seconds.
    errors : bool
        False: skip the median rate (the Poisson variance is then 0, the rate the same).

    Returns
    -------
    RampFit
    """
    gdq = groupdq & NOT_PERSISTENCE
    good = gdq == 0
    one_good = (good.sum(axis=0) == 1) & (data.shape[0] > 1)  # suppress_one_group: none
    good &= ~one_good
    labels = _segment_labels(good, gdq == _JUMP)
    count = labels.max(axis=0, initial=0)
    many = count > _FEW_SEGMENTS
    if many.any() and not many.all():  # each pass is over every pixel: split them
        fit = RampFit(*(np.empty(data.shape[1], np.float32) for _ in range(4)))
        for part in (many, ~many):
            arrays = (data[:, part], groupdq[:, part], pixeldq[part], rnoise[part], gain[part])
            fitted = ols_fit(*arrays, group_time, errors)
            for target, values in zip(fit, fitted, strict=True):
                target[part] = values
        return fit
    raw = np.where(groupdq & _SAT, np.nan, data.astype(np.float64))
    rn, g = rnoise.astype(np.float64), gain.astype(np.float64)
    median = median_rate(raw, groupdq, group_time) if errors else np.zeros(data.shape[1])
    members = [labels == k for k in range(1, int(count.max(initial=0)) + 1)]
    lengths = [member.sum(axis=0) for member in members]
    longest = np.max(lengths, axis=0) if lengths else np.zeros(data.shape[1:], int)
    first_one = np.ones(data.shape[1:], bool)  # the first one-group segment still unused
    zeroed = np.nan_to_num(raw)  # stcal sums NaN samples as 0
    segments = []
    for member, n in zip(members, lengths, strict=True):
        use = (n >= 2) | ((n == 1) & (longest == 1) & first_one)
        first_one &= ~((n == 1) & use)
        slope, var_p, var_r = np.zeros(n.shape), np.zeros(n.shape), np.full(n.shape, np.inf)
        has = np.flatnonzero(use)  # later segments: only the pixels that have them
        cols: slice | np.ndarray = slice(None) if has.size == n.size else has
        slope[has], var_p[has], var_r[has] = _segment(
            raw[:, cols],
            zeroed[:, cols],
            member[:, cols],
            n[cols],
            rn[cols],
            g[cols],
            median[cols],
            group_time,
        )
        segments.append((slope, var_p, var_r, use))
    fit = combine(segments, data.shape[1:])
    invalid = invalid_pixels(groupdq, pixeldq, g) | one_good
    return fit_with_invalid(fit, invalid)


@cache
def slope_coefficients(n: int) -> np.ndarray:
    """``(6, n)`` weights turning a segment's samples into its slope, one row per power.

    The weights are stcal's ``|(k - mid) / mid| ** P`` (in float32, as its ``powf``; the
    ``1 / rn**2`` factor cancels), so ``row @ y`` is the weighted least-squares slope in
    DN per group. They are symmetric about ``mid``, so each row is antisymmetric (made
    exactly so).
    """
    k = np.arange(n, dtype=np.float64)
    mid = (n - 1) / 2.0
    rows = []
    for power in POWERS:
        w = np.power(np.abs((k - mid) / mid).astype(np.float32), np.float32(power))
        w = w.astype(np.float64)
        centred = k - (w * k).sum() / w.sum()
        rows.append(w * centred / (w * centred * centred).sum())
    rows_array = np.array(rows)
    return np.asarray((rows_array - rows_array[:, ::-1]) / 2.0)


@lru_cache(maxsize=8)
def _coefficient_table(ngroups: int) -> np.ndarray:
    """``slope_coefficients(n)`` for every ``n`` of 3..ngroups: ``(ngroups + 1, 6, ngroups)``."""
    table = np.zeros((ngroups + 1, len(POWERS), ngroups))
    for n in range(3, ngroups + 1):
        table[n, :, :n] = slope_coefficients(n)
    return table


def invalid_pixels(groupdq: np.ndarray, pixeldq: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Pixels stcal gives NaN: saturated first group, no usable group, flagged or no gain."""
    invalid = ((groupdq[0] & _SAT) != 0) | ((groupdq & (_DNU | _SAT)) != 0).all(axis=0)
    return invalid | ((pixeldq & (_DNU | _SAT)) != 0) | ~(gain > 0)  # type: ignore[no-any-return]


def fit_with_invalid(fit: RampFit, invalid: np.ndarray) -> RampFit:
    """Return ``fit`` with NaN rates and zero variances at the invalid pixels."""
    for array in fit[1:]:
        array[invalid] = 0.0
    fit.rate[invalid] = np.nan
    return fit


def combine(
    segments: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], shape: tuple[int, ...]
) -> RampFit:
    """Combine per-segment ``(slope, var_poisson, var_rnoise, used)`` as stcal does.

    Slopes are weighted by their inverse read-noise variance; variances combine
    inversely; a variance of 1e6 or more becomes 0 (and so does the rate with its read
    noise variance). Pixels without a used segment get 0 everywhere.
    """
    inv_r, inv_p, inv_e, numerator = (np.zeros(shape) for _ in range(4))
    for slope, var_p, var_r, used in segments:
        inv_r += np.where(used, 1.0 / var_r, 0.0)
        inv_p += np.where(used & (var_p > 0), 1.0 / np.where(var_p > 0, var_p, 1.0), 0.0)
        inv_e += np.where(used, 1.0 / (var_p + var_r), 0.0)
        numerator += np.where(used, slope / var_r, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_p = np.where(inv_p > 0, 1.0 / inv_p, 0.0)
        var_r = np.where(inv_r > 0, 1.0 / inv_r, 0.0)
        var_e = np.where(inv_e > 0, 1.0 / inv_e, 0.0)
    var_p[var_p >= LARGE_VARIANCE] = 0.0
    var_r[var_r >= LARGE_VARIANCE] = 0.0
    err = np.where(var_e > LARGE_VARIANCE, 0.0, np.sqrt(var_e))
    return RampFit(*(np.asarray(a, np.float32) for a in (numerator * var_r, var_p, var_r, err)))


def snr_power_index(signal: np.ndarray, rn: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Index into `POWERS` of each segment, from its signal (DN, last - first group).

    As stcal: ``S = signal gain / sqrt(rn**2 + signal gain)``, 0 when that root is not
    real or ``S < 0``; a NaN signal takes the highest power.
    """
    den = rn**2 + signal * gain
    with np.errstate(all="ignore"):
        snr = np.where((den > 0) & (gain != 0), signal * gain / np.sqrt(den), 0.0)
    snr = np.where(snr < 0, 0.0, snr)
    return np.searchsorted(SNR_STEPS, snr, side="right")


def median_rate(raw: np.ndarray, groupdq: np.ndarray, group_time: float) -> np.ndarray:
    """Return stcal's median rate: the median first difference per second of each pixel.

    ``raw`` is ``(ngroups, npixels)`` with NaN at saturated groups; DO_NOT_USE groups and
    differences ending on a jump are left out; with no difference left, the first group's
    level (when usable) stands in; none at all gives 0.
    """
    level = np.where(groupdq & _DNU, np.nan, raw) / group_time
    if level.shape[0] == 1:
        median = level[0]
    else:
        diffs = np.where(groupdq[1:] & _JUMP, np.nan, level[1:] - level[:-1])
        count = np.sum(~np.isnan(diffs), axis=0)
        diffs[0] = np.where(count == 0, level[0], diffs[0])
        count = np.sum(~np.isnan(diffs), axis=0)
        ordered = np.sort(diffs, axis=0)  # NaN last
        upper = np.take_along_axis(ordered, (count // 2)[None], 0)[0]
        lower = np.take_along_axis(ordered, np.maximum(count - 1, 0)[None] // 2, 0)[0]
        median = np.where(count > 0, (lower + upper) / 2.0, np.nan)
    return np.asarray(np.nan_to_num(median, nan=0.0))


def segment_variances(
    n: np.ndarray, rn: np.ndarray, gain: np.ndarray, median: np.ndarray, group_time: float
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson and read-noise variance of segments of ``n`` groups (DN/s)**2, as stcal."""
    with np.errstate(all="ignore"):
        var_p = np.where(median > 0, median, 0.0) / (group_time * gain * np.maximum(n - 1, 1))
        nn = np.maximum(n, 2).astype(np.float64)
        var_r = 12.0 * (rn / group_time) ** 2 / ((nn**3 - nn) * gain**2)
    return var_p, var_r


def _segment_labels(good: np.ndarray, pure_jump: np.ndarray) -> np.ndarray:
    """Label each pixel's segments 1, 2, ... along the group axis; 0 outside segments."""
    before = np.zeros_like(good)
    before[1:] = good[:-1]
    opens = good & ~before  # a run of good groups begins here
    jump_before = np.zeros_like(good)
    jump_before[1:] = pure_jump[:-1]
    start = opens & ~jump_before
    start[:-1] |= (opens & jump_before)[1:]  # the jump's group opens the segment
    member = good.copy()
    member[:-1] |= (opens & jump_before)[1:]
    return np.where(member, np.cumsum(start, axis=0), 0)


def _segment(
    raw: np.ndarray,
    zeroed: np.ndarray,
    member: np.ndarray,
    n: np.ndarray,
    rn: np.ndarray,
    gain: np.ndarray,
    median: np.ndarray,
    group_time: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope, Poisson and read-noise variance of one segment per pixel (any length)."""
    ngroups = raw.shape[0]
    first = np.argmax(member, axis=0)
    last = np.clip(first + n - 1, 0, ngroups - 1)
    y0 = np.take_along_axis(raw, first[None], 0)[0]
    y1 = np.take_along_axis(raw, last[None], 0)[0]
    power = snr_power_index(y1 - y0, rn, gain)
    offset = np.clip(np.arange(ngroups)[:, None] - first, 0, ngroups - 1)
    index = (n * len(POWERS) + power) * ngroups + offset  # into the coefficient table
    weights = np.where(member, _coefficient_table(ngroups).ravel()[index], 0.0)
    with np.errstate(all="ignore"):
        slope = (weights * zeroed).sum(axis=0) / group_time
        slope = np.where(n == 2, (y1 - y0) / group_time, slope)
        slope = np.where(n == 1, y0 / group_time, slope)
    var_p, var_r = segment_variances(n, rn, gain, median, group_time)
    return slope, var_p, var_r
