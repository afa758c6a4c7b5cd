"""Contrast of one frame: sigma-clipped statistics on a sample of its pixels."""

from __future__ import annotations

import math

import numpy as np
from astropy.stats import sigma_clipped_stats

SAMPLE_PIXELS = 16384  #: pixels of a frame that its contrast is computed from


def frame_stats(frame: np.ndarray) -> tuple[float, float]:
    """Return the sigma-clipped ``(median, sigma)`` of one frame, for its contrast.

    Parameters
    ----------
    frame : numpy.ndarray
        One 2-D frame; the statistics, sigma-clipped at 3 sigma, use a regular grid of
        about 16000 of its pixels (every pixel of a frame up to 128 x 128).

    Returns
    -------
    tuple of float
        ``(median, sigma)``; NaNs for a frame with no finite pixel, and a sigma of 1
        where the frame is constant.
    """
    frame = np.asarray(frame)
    step = max(1, math.ceil(math.sqrt(frame.size / SAMPLE_PIXELS)))
    sample = frame[::step, ::step]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return math.nan, math.nan
    _, median, sigma = sigma_clipped_stats(sample, sigma=3.0, maxiters=5)
    sigma = sigma if np.isfinite(sigma) and sigma > 0 else 1.0
    return float(median), float(sigma)


def frame_contrast(frame: np.ndarray, scale: float) -> tuple[float, float]:
    """Return contrast limits ``median -/+ scale * sigma`` of one frame.

    Parameters
    ----------
    frame : numpy.ndarray
        One 2-D frame (see `frame_stats`).
    scale : float
        Number of sigmas either side of the median.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` for a frame with no finite pixel.
    """
    return stats_contrast(frame_stats(frame), scale)


def stats_contrast(stats: tuple[float, float], scale: float) -> tuple[float, float]:
    """Return contrast limits ``median -/+ scale * sigma`` from a frame's `frame_stats`.

    Parameters
    ----------
    stats : tuple of float
        ``(median, sigma)``, e.g. computed ahead with the frame.
    scale : float
        Number of sigmas either side of the median.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` for a frame with no finite pixel.
    """
    median, sigma = stats
    if not math.isfinite(median):
        return 0.0, 1.0
    return median - scale * sigma, median + scale * sigma
