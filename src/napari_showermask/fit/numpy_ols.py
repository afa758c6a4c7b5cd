"""jwst's OLS ramp fit of one integration, in numpy: used when stcal is not installed.

A transcription of stcal 1.20's ``OLS_C`` fitter (``stcal/ramp_fitting/src/slope_fitter.c``)
for one integration, vectorised over pixels:

- a group is *good* when its GROUPDQ, without PERSISTENCE, is 0; a segment is a run of
  good groups, starting one group earlier when the group before it is flagged JUMP_DET
  and nothing else (the jump's group opens the new segment);
- if a pixel has a segment of two or more groups, its one-group segments are dropped;
  otherwise only its first one-group segment is kept (slope ``data / group_time``);
- a segment of two groups has the slope of its difference; longer ones a weighted
  least-squares slope with weights ``|(k - mid) / mid| ** P / rn**2``, the power ``P``
  taken from the segment's signal-to-noise (0, 0.4, 1, 3, 6, 10 at 5, 10, 20, 50, 100);
- segments combine weighted by their inverse read-noise variance; the error combines
  their read-noise plus Poisson variances, the Poisson part from the median of the
  integration's first differences (jumps left out);
- a pixel with a single good group is treated as having none (``suppress_one_group``);
  a pixel whose first group is saturated, whose groups are all DO_NOT_USE or SATURATED,
  or whose PIXELDQ has DO_NOT_USE, gets NaN; one with no segment at all keeps jwst's 0.0.

The one difference from stcal: stcal's Poisson weighting averages the median rate over all
integrations of the file; here it is the integration's own, which changes the error bar
only (and the slope not at all).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ols_fit"]

from napari_showermask.core.dq import DO_NOT_USE as _DNU
from napari_showermask.core.dq import JUMP_DET as _JUMP
from napari_showermask.core.dq import PERSISTENCE as _PERS
from napari_showermask.core.dq import SATURATED as _SAT

_SNR_STEPS = np.array([5.0, 10.0, 20.0, 50.0, 100.0])
_POWERS = np.array([0.0, 0.4, 1.0, 3.0, 6.0, 10.0])


def ols_fit(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    rnoise: np.ndarray,
    gain: np.ndarray,
    group_time: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit one integration's ramps.

    Parameters
    ----------
    data : numpy.ndarray
        ``(ngroups, ny, nx)`` DN, after jwst's MIRI first/last group discard.
    groupdq : numpy.ndarray
        ``(ngroups, ny, nx)`` uint8.
    pixeldq : numpy.ndarray
        ``(ny, nx)`` uint32.
    rnoise : numpy.ndarray
        ``(ny, nx)`` read noise of one read, in electrons (stcal's scaled read noise).
    gain : numpy.ndarray
        ``(ny, nx)`` e-/DN.
    group_time : float
        Seconds.

    Returns
    -------
    (rate, err) : tuple of numpy.ndarray
        ``(ny, nx)`` float32, DN/s.
    """
    gdq = groupdq & np.uint8(~_PERS & 0xFF)
    data = np.where(gdq & _SAT, np.nan, data.astype(np.float64))
    ngroups = data.shape[0]
    good = gdq == 0
    one_good = (good.sum(axis=0) == 1) & (ngroups > 1)  # suppress_one_group: none
    good &= ~one_good
    labels = _segment_labels(good, gdq == _JUMP)
    rn = rnoise.astype(np.float64)
    g = gain.astype(np.float64)
    median = _median_rate(data, groupdq, group_time)
    lengths = [(labels == k).sum(axis=0) for k in range(1, int(labels.max(initial=0)) + 1)]
    longest = np.max(lengths, axis=0) if lengths else np.zeros(data.shape[1:], int)
    inv_r = np.zeros(data.shape[1:])
    inv_p = np.zeros(data.shape[1:])
    inv_e = np.zeros(data.shape[1:])
    numerator = np.zeros(data.shape[1:])
    first_one = np.ones(data.shape[1:], bool)  # the first one-group segment still unused
    for k, n in enumerate(lengths, start=1):
        member = labels == k
        use = (n >= 2) | ((n == 1) & (longest == 1) & first_one)
        first_one &= ~((n == 1) & use)
        slope, var_p, var_r = _segment(data, member, n, rn, g, median, group_time)
        var_r = np.where(use, var_r, np.inf)
        inv_r += 1.0 / var_r
        inv_p += np.where(use & (var_p > 0), 1.0 / np.where(var_p > 0, var_p, 1.0), 0.0)
        inv_e += np.where(use, 1.0 / (var_p + var_r), 0.0)
        numerator += np.where(use, slope / var_r, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(inv_r > 0, numerator / inv_r, 0.0)
        err = np.where(inv_e > 0, np.sqrt(1.0 / inv_e), 0.0)
    invalid = (groupdq[0] & _SAT).astype(bool) | ((groupdq & (_DNU | _SAT)) != 0).all(axis=0)
    invalid |= (pixeldq & _DNU).astype(bool) | ~(g > 0) | one_good
    rate[invalid] = np.nan
    err[invalid] = 0.0
    return rate.astype(np.float32), err.astype(np.float32)


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


def _median_rate(data: np.ndarray, groupdq: np.ndarray, group_time: float) -> np.ndarray:
    """Median first difference per second, DO_NOT_USE groups and jumps left out."""
    level = np.where(groupdq & _DNU, np.nan, data) / group_time
    if level.shape[0] == 1:
        median = level[0]
    else:
        diffs = np.where(groupdq[1:] & _JUMP, np.nan, level[1:] - level[:-1])
        with np.errstate(all="ignore"), np.testing.suppress_warnings() as sup:
            sup.filter(RuntimeWarning)
            median = np.nanmedian(diffs, axis=0)
    return np.asarray(np.nan_to_num(median, nan=0.0))


def _segment(
    data: np.ndarray,
    member: np.ndarray,
    n: np.ndarray,
    rn: np.ndarray,
    gain: np.ndarray,
    median: np.ndarray,
    group_time: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slope, Poisson and read-noise variance of one segment per pixel (any length)."""
    k = np.cumsum(member, axis=0) - 1  # position inside the segment
    x = np.arange(data.shape[0], dtype=np.float64)[:, None, None]
    y = np.nan_to_num(data)
    first = np.argmax(member, axis=0)
    last = np.clip(first + n - 1, 0, data.shape[0] - 1)
    y0 = np.take_along_axis(y, first[None], 0)[0]
    y1 = np.take_along_axis(y, last[None], 0)[0]
    signal = (y1 - y0) * gain
    with np.errstate(all="ignore"):
        snr = np.where(rn**2 + signal > 0, signal / np.sqrt(rn**2 + signal), 0.0)
        power = _POWERS[np.searchsorted(_SNR_STEPS, np.clip(snr, 0, None), side="right")]
        mid = (n - 1) / 2.0
        w = np.abs((k - mid) / mid) ** power / rn**2
    w = np.where(member & (n >= 3), w, 0.0)
    sw, sx, sxx = w.sum(0), (w * x).sum(0), (w * x * x).sum(0)
    sy, sxy = (w * y).sum(0), (w * x * y).sum(0)
    with np.errstate(all="ignore"):
        slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx) / group_time
        slope = np.where(n == 2, (y1 - y0) / group_time, slope)
        slope = np.where(n == 1, y0 / group_time, slope)
        var_p = np.where(median > 0, median, 0.0) / (group_time * gain * np.maximum(n - 1, 1))
        nn = np.where(n >= 3, n, 2).astype(np.float64)
        var_r = 12.0 * (rn / group_time) ** 2 / ((nn**3 - nn) * gain**2)
    return slope, var_p, var_r
