"""Per-pixel CUSUM of one integration's smoothed excess over its reference, for `detection`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy import ndimage

from napari_showermask.core.products import Product
from napari_showermask.detect.smoothing import Smoother
from napari_showermask.detect.statistics import Reference, frames

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
    glow: np.ndarray | None = None,
    margin: int = 2,
    skip: np.ndarray | None = None,
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
    glow : numpy.ndarray, optional
        A lower reference (`sky.glow_reference`; inf where unknown). A second
        CUSUM runs against it: where the first has one excursion only and the second
        one began earlier and reached ``level`` while the first was still below it (a glow
        that raised this reference, under a later shower), that earlier excursion becomes
        the pixel's first one (``early``, ``early_peak``).
    margin : int
        Groups by which that excursion must begin before the first one's (onset noise).
    skip : numpy.ndarray of bool, optional
        Pixels left out of each frame's median excess (a glow known to be there: a large
        one would raise that median and take its excess off every other pixel).

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
    seconds = _seconds(mean, sigma, glow, scale, gain) if glow is not None else []
    counted = np.ones((1, 1), bool) if skip is None else ~skip[::4, ::4]
    smooth, smoother = np.empty(shape, np.float32), Smoother(shape, scale, truncate=3.5)
    was_zero, flag, where = (np.empty(shape, bool) for _ in range(3))
    stamp = np.empty(shape, np.int16)
    for g, frame in frames(product, integration, groups, bad):
        excess = np.subtract(frame, mean, out=frame)
        excess /= sigma
        sample = excess[::4, ::4]
        sample = sample[np.isfinite(sample) & counted]
        offset = np.float32(np.median(sample)) if sample.size else np.float32(0)
        excess -= offset
        np.isfinite(excess, out=flag)
        np.logical_not(flag, out=flag)
        np.copyto(excess, np.float32(0), where=flag)  # left out (NaN) and overflows: 0
        smoother(excess, out=smooth)
        smooth *= gain
        smooth -= np.float32(drift)
        np.equal(total, 0, out=was_zero)
        total += smooth
        np.maximum(total, 0.0, out=total)
        np.greater(total, 0, out=flag)
        np.logical_and(was_zero, flag, out=where)  # began
        # start = g where began: groups only grow, so the larger of the two (the same
        # values; a copy through a mask costs several times as much)
        np.maximum(start, np.multiply(where, np.int16(g), out=stamp), out=start)
        np.copyto(first_value, total, where=where)
        np.greater(total, peak, out=where)  # better
        np.maximum(peak, total, out=peak)  # the same as a copy where better, faster
        # onset = start where better: never after start, so the larger (the same values)
        np.maximum(onset, np.multiply(where, start, out=stamp), out=onset)
        np.subtract(total, first_value, out=rise, where=where)
        np.greater_equal(total, floor, out=where)
        np.less(early, 0, out=flag)
        where &= flag
        np.copyto(early, start, where=where)
        np.equal(early, start, out=where)
        np.maximum(early_peak, total, out=early_peak, where=where)
        for second in seconds:
            second.update(g, smooth, total, floor)
        step()
    for second in seconds:
        second.merge(onset, early, early_peak, floor, margin)
    return Cusum(peak, onset, rise, early, early_peak)


def _seconds(
    mean: np.ndarray, sigma: np.ndarray, glow: np.ndarray, scale: float, gain: np.float32
) -> list[_Second]:
    """One second CUSUM per region where the lower reference changes the smoothed excess."""
    known = np.isfinite(glow) & np.isfinite(sigma)
    lower = np.zeros(mean.shape, np.float32)  # (reference - glow) / noise: a constant excess
    np.divide(mean - np.where(known, glow, mean), sigma, out=lower, where=known)
    boost = ndimage.gaussian_filter(lower, scale, truncate=3.5)
    boost *= gain  # the smoothed excess it adds in every frame
    regions, _ = ndimage.label(boost != 0)
    return [_Second(box, boost[box]) for box in ndimage.find_objects(regions) if box]


class _Second:
    """The CUSUM of the excess over a lower reference in one box, run beside the first."""

    def __init__(self, box: tuple[slice, ...], boost: np.ndarray) -> None:
        self.box, self.boost = box, boost
        self.total = np.zeros(boost.shape, np.float32)
        self.start = np.zeros(boost.shape, np.int16)
        self.early = np.full(boost.shape, -1, np.int16)
        self.peak = np.zeros(boost.shape, np.float32)
        self.loud = np.zeros(boost.shape, bool)  # the first CUSUM has reached level

    def update(self, g: int, smooth: np.ndarray, first: np.ndarray, floor: np.float32) -> None:
        """Add a frame: ``smooth``, the first CUSUM's input; ``first``, that CUSUM after it."""
        was_zero = self.total == 0
        self.total += smooth[self.box]
        self.total += self.boost
        np.maximum(self.total, 0.0, out=self.total)
        np.copyto(self.start, g, where=was_zero & (self.total > 0))
        np.copyto(self.early, self.start, where=(self.total >= floor) & (self.early < 0))
        self.loud |= first[self.box] >= floor
        quiet = (self.early == self.start) & ~self.loud
        np.maximum(self.peak, self.total, out=self.peak, where=quiet)

    def merge(
        self,
        onset: np.ndarray,
        early: np.ndarray,
        early_peak: np.ndarray,
        floor: np.float32,
        margin: int,
    ) -> None:
        """Give the earlier excursion to pixels where the first CUSUM had one only."""
        onset, early, early_peak = onset[self.box], early[self.box], early_peak[self.box]
        single = (early < 0) | (early == onset)
        use = single & (self.early >= 0) & (self.early + margin < onset) & (self.peak >= floor)
        np.copyto(early, self.early, where=use)
        np.copyto(early_peak, self.peak, where=use)
