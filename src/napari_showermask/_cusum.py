"""Per-pixel CUSUM of one integration's smoothed excess over its reference, for `detection`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ._difference_stats import Reference, frames
from .products import Product

__all__ = ["Cusum", "cusum"]


class Cusum(NamedTuple):
    """Per-pixel summary of the CUSUM of one integration (all ``(ny, nx)`` planes).

    Attributes
    ----------
    peak : numpy.ndarray of float32
        Highest CUSUM value.
    onset : numpy.ndarray of int16
        Group where the excursion that reached ``peak`` began (the CUSUM last rose from
        zero before its peak).
    rise : numpy.ndarray of float32
        How much that excursion rose after its first group, up to its peak: the charge a
        glow kept adding (near 0 for a one-frame flash).
    early : numpy.ndarray of int16
        Group where the first excursion that reached ``level`` began; -1 where none did.
    early_peak : numpy.ndarray of float32
        Highest value of that first excursion (0 where none).
    """

    peak: np.ndarray
    onset: np.ndarray
    rise: np.ndarray
    early: np.ndarray
    early_peak: np.ndarray


def cusum(
    product: Product,
    integration: int,
    groups: Sequence[int],
    bad: np.ndarray,
    reference: Reference,
    scale: float,
    drift: float,
    level: float,
    step: Callable[[], None],
) -> Cusum:
    """Return each pixel's CUSUM summary: peak and its onset, first excursion and its onset.

    Each frame's excess ``(d - reference) / noise`` (left-out pixels 0) has its median
    taken off, is smoothed by a Gaussian of width ``scale`` scaled so that white noise
    keeps unit variance, and updates ``C = max(0, C + S - drift)``. A pixel where two
    showers follow each other has two excursions: the first (``early``, once it reaches
    ``level``) and the highest (``onset``); they are the same where there is one.

    Parameters
    ----------
    product : Product
    integration : int
    groups : sequence of int
    bad : numpy.ndarray of bool
    reference : (reference, noise)
    scale, drift : float
    level : float
        CUSUM value from which an excursion counts as the first one.
    step : callable

    Returns
    -------
    Cusum
    """
    mean, sigma = reference
    shape = product.image_shape
    gain = np.float32(2 * math.sqrt(math.pi) * scale)
    total, peak = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    start = np.full(shape, groups[0], np.int16)
    onset = np.full(shape, groups[0], np.int16)
    first_value, rise = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    early = np.full(shape, -1, np.int16)
    early_peak = np.zeros(shape, np.float32)
    floor = np.float32(level)
    for g, frame in frames(product, integration, groups, bad):
        excess = np.subtract(frame, mean, out=frame)
        excess /= sigma
        sample = excess[::4, ::4]
        sample = sample[np.isfinite(sample)]
        offset = np.float32(np.median(sample)) if sample.size else np.float32(0)
        excess = np.nan_to_num(excess - offset, nan=0.0, posinf=0.0, neginf=0.0, copy=False)
        smooth = ndimage.gaussian_filter(excess, scale, truncate=3.5)
        smooth *= gain
        smooth -= np.float32(drift)
        was_zero = total == 0
        total += smooth
        np.maximum(total, 0.0, out=total)
        began = was_zero & (total > 0)
        np.copyto(start, g, where=began)
        np.copyto(first_value, total, where=began)
        better = total > peak
        np.copyto(peak, total, where=better)
        np.copyto(onset, start, where=better)
        np.subtract(total, first_value, out=rise, where=better)
        np.copyto(early, start, where=(total >= floor) & (early < 0))
        np.maximum(early_peak, total, out=early_peak, where=early == start)
        step()
    return Cusum(peak, onset, rise, early, early_peak)
