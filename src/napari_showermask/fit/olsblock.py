"""jwst's OLS ramp fit of a block of pixels at once, vectorised over pixels.

The result is stcal's ``OLS_C`` one (see `napari_showermask.fit.numpy_ols` for the rules),
computed the way most pixels allow:

- pixels whose every group is good (most of them) share one layout, one segment of all
  the groups: its optimally weighted slope is a dot product of the ramp with the
  coefficients of the weighting power the pixel's signal-to-noise selects, computed for
  the whole block in cache-sized tiles (`_full_ramp_slopes`);
- the others (jumps, saturation, DO_NOT_USE groups, masked showers) go to the numpy
  transcription, vectorised over them segment by segment;
- pixels with CHARGELOSS groups (whose read noise stcal recomputes) go to ``rest``: stcal's
  fitter when it is installed.

The median rate that sets the Poisson variance costs more than the slopes (a selection
over every pixel's first differences): ``errors=False`` skips it when only rates are
wanted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.dq import DO_NOT_USE, SATURATED
from napari_showermask.fit.numpy_ols import (
    LARGE_VARIANCE,
    NOT_PERSISTENCE,
    RampFit,
    ols_fit,
    segment_variances,
    slope_coefficients,
    snr_power_index,
)

__all__ = ["RestFitter", "fit_block"]

#: ``rest(data, groupdq, pixeldq, rnoise, gain, group_time)`` for ``(ngroups, n)`` ramps
RestFitter = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], RampFit]
_CHARGELOSS = dqflags.group["CHARGELOSS"]


def fit_block(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    rnoise: np.ndarray,
    gain: np.ndarray,
    group_time: float,
    *,
    errors: bool = True,
    rest: RestFitter = ols_fit,
) -> RampFit:
    """Fit the ramps of a block of pixels of one integration as stcal's ``OLS_C``.

    Parameters
    ----------
    data : numpy.ndarray
        ``(ngroups, npixels)`` float32 DN, after jwst's MIRI first/last group discard.
    groupdq : numpy.ndarray
        ``(ngroups, npixels)`` uint8; not modified.
    pixeldq : numpy.ndarray
        ``(npixels,)`` unsigned.
    rnoise : numpy.ndarray
        ``(npixels,)`` read noise of one read in electrons (stcal's scaled read noise).
    gain : numpy.ndarray
        ``(npixels,)`` e-/DN.
    group_time : float
        Seconds.
    errors : bool
        Compute the Poisson variance and the error; when False they are NaN (the rate
        and the read-noise variance do not depend on them).
    rest : callable
        Fits the pixels with CHARGELOSS groups (`RestFitter`).

    Returns
    -------
    RampFit
    """
    data = np.asarray(data, np.float32)
    ngroups, npix = data.shape
    rn, g = rnoise.astype(np.float64), gain.astype(np.float64)
    flagged = np.bitwise_or.reduce(groupdq, axis=0) & NOT_PERSISTENCE
    bad_pixel = ((pixeldq & (DO_NOT_USE | SATURATED)) != 0) | ~(g > 0)
    out = RampFit(*(np.zeros(npix, np.float32) for _ in range(4)))
    if ngroups < 2:
        _put(out, np.arange(npix), rest(data, groupdq, pixeldq, rnoise, gain, group_time))
        return out
    clean = np.flatnonzero((flagged == 0) & ~bad_pixel)
    slope = _full_ramp_slopes(data, clean, rn, g) / group_time
    finite = np.isfinite(slope)
    clean = clean[finite]
    median = _clean_median(data, clean, group_time) if errors else np.zeros(clean.size)
    var_p, var_r = segment_variances(
        np.full(clean.size, ngroups), rn[clean], g[clean], median, group_time
    )
    _put(out, clean, _one_segment(slope[finite], var_p, var_r))
    others = np.ones(npix, bool)
    others[clean] = False
    others = np.flatnonzero(others)
    charged = (flagged[others] & _CHARGELOSS) != 0
    for pixels, by_rest in ((others[~charged], False), (others[charged], True)):
        if pixels.size:
            arrays = (data[:, pixels], groupdq[:, pixels], pixeldq[pixels], rnoise[pixels])
            if by_rest:
                _put(out, pixels, rest(*arrays, gain[pixels], group_time))
            else:
                _put(out, pixels, ols_fit(*arrays, gain[pixels], group_time, errors))
    if not errors:
        out.var_poisson[:] = np.nan
        out.err[:] = np.nan
    return out


def _one_segment(slope: np.ndarray, var_p: np.ndarray, var_r: np.ndarray) -> RampFit:
    """`combine` for pixels of one segment each, in fewer passes over them."""
    large = var_r >= LARGE_VARIANCE
    var_e = var_p + var_r
    return RampFit(
        np.where(large, 0.0, slope).astype(np.float32),
        np.where(var_p >= LARGE_VARIANCE, 0.0, var_p).astype(np.float32),
        np.where(large, 0.0, var_r).astype(np.float32),
        np.where(var_e > LARGE_VARIANCE, 0.0, np.sqrt(var_e)).astype(np.float32),
    )


def _put(out: RampFit, where: np.ndarray, fit: RampFit) -> None:
    for target, values in zip(out, fit, strict=True):
        target[where] = values


def _full_ramp_slopes(
    data: np.ndarray, pixels: np.ndarray, rn: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """DN per group of the one full segment of ``pixels`` (NaN where a sample is not finite).

    The weights are symmetric about the middle group, so a slope is a weighted sum of the
    differences ``y[n-1-k] - y[k]`` (half the samples, small numbers that float32 holds
    exactly). Tiles of 512 columns stay in cache while those differences are multiplied by
    the coefficients of all six powers, of which each pixel takes its own; products that
    small also keep OpenBLAS on one thread (its threads cost more than they save here).
    """
    ngroups = data.shape[0]
    rn, g = rn[pixels], g[pixels]
    if pixels.size <= data.shape[1] // 4:  # few: gathered first
        data, pixels = data[:, pixels], np.arange(pixels.size)
    signal = np.asarray(data[-1].astype(np.float64) - data[0])
    if ngroups == 2:
        return np.asarray(signal[pixels])
    powers = np.zeros(data.shape[1], np.intp)
    powers[pixels] = snr_power_index(signal[pixels], rn, g)
    half = ngroups // 2
    folded = slope_coefficients(ngroups)[:, ::-1][:, :half].astype(np.float32)
    slope = np.empty(data.shape[1])
    width = 512
    buffer = np.empty((half, min(width, data.shape[1])), np.float32)
    for start in range(0, data.shape[1], width):
        tile = data[:, start : start + width]
        differences = np.subtract(tile[::-1][:half], tile[:half], out=buffer[:, : tile.shape[1]])
        by_power = folded @ differences
        chosen = powers[start : start + width]
        slope[start : start + width] = np.take_along_axis(by_power, chosen[None], 0)[0]
    return np.asarray(slope[pixels])


def _clean_median(data: np.ndarray, pixels: np.ndarray, group_time: float) -> np.ndarray:
    """Median first difference per second of pixels whose every group is usable.

    512 columns at a time (in cache): their differences, pixel by pixel, as integers
    that sort as the floats do (faster to select from).
    """
    if pixels.size == 0:
        return np.zeros(0)
    ramps = data if pixels.size > data.shape[1] // 4 else data[:, pixels]
    count = ramps.shape[0] - 1
    upper = np.empty(ramps.shape[1], np.int32)
    lower = np.empty(ramps.shape[1], np.int32)
    for start in range(0, ramps.shape[1], 512):
        tile = ramps[:, start : start + 512]
        bits = np.ascontiguousarray((tile[1:] - tile[:-1]).T).view(np.int32)
        bits ^= (bits >> 31) & 0x7FFFFFFF
        bits.partition(count // 2, axis=1)
        upper[start : start + 512] = bits[:, count // 2]
        lower[start : start + 512] = (
            bits[:, : count // 2].max(axis=1) if count % 2 == 0 else bits[:, count // 2]
        )
    for value in (upper, lower):
        value ^= (value >> 31) & 0x7FFFFFFF
    median = (upper.view(np.float32).astype(np.float64) + lower.view(np.float32)) / 2
    median /= group_time
    return median[pixels] if ramps is data else median
