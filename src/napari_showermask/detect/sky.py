"""Spatial sky reference under decaying glows of a one-integration ramp, for `detection`.

With one integration each pixel's reference rate is the lowest mean of a few runs of its
own groups (`statistics.runs`). A glow that was already there before the ramp
(idle) or began in its first run still adds charge in every run, so it raises that
lowest mean, most where a later shower lies on top of it; those pixels would then show
only the later shower. The sky (and the dark residual) is smooth on the scale of a
shower, so a background of the lowest-run plane, taken over large boxes without the
glows, gives the reference there. It is used only where, on the scale of a shower, both

- the first run is significantly above the lowest one (the charge added decays: a star,
  an extended source or a bad column adds the same in every run and keeps its own
  reference), and
- the lowest run is significantly above the background (glow left in it).

A glow that began within the first run and barely decays (a persistent one) is in every
run: the lowest mean holds most of it and it shows only a fraction of itself against that
reference. Before it began, the first differences were at the pixel's own level: where, on
the scale of a shower, the lowest run is above the opening mean (the first two
differences) and above the sky, both by 4 sigma, `rising_reference` takes that step off
the lowest run (smoothed over a few pixels, so that a star or an extended source under the
glow keeps its own level, which a sky reference would not).

Significances are normalised over the image (median and MAD of the per-pixel difference,
most pixels being sky) and smoothed by the matched filter of `cusum`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

__all__ = ["glow_reference", "rising_reference"]


def _centred(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, float]:
    """Return ``values`` less their median over ``valid`` pixels (0 elsewhere), and their MAD."""
    sample = values[valid][::3]
    if sample.size < 10:
        return np.zeros(values.shape, np.float32), 1.0
    centre = float(np.median(sample))
    spread = 1.4826 * float(np.median(np.abs(sample - centre))) or 1.0
    return np.where(valid, values - centre, 0.0).astype(np.float32), spread


def _normalised(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Return ``values`` in units of their robust spread over ``valid`` pixels, 0 elsewhere."""
    centred, spread = _centred(values, valid)
    return centred / np.float32(spread)


def _smoothed(significance: np.ndarray, scale: float) -> np.ndarray:
    """Matched-filter a per-pixel significance, keeping unit variance for white noise."""
    gain = 2 * math.sqrt(math.pi) * scale
    return ndimage.gaussian_filter(significance, scale, truncate=3.5) * np.float32(gain)


def background(plane: np.ndarray, valid: np.ndarray, box: int) -> np.ndarray:
    """Return a smooth background of ``plane``: clipped medians of boxes, interpolated.

    Parameters
    ----------
    plane : numpy.ndarray
        ``(ny, nx)``.
    valid : numpy.ndarray of bool
        Pixels to use (the others are left out of the boxes' medians).
    box : int
        Box side in pixels; boxes with fewer than a third of their pixels valid take the
        median of the whole plane.

    Returns
    -------
    numpy.ndarray of float32
    """
    ny, nx = plane.shape
    data = np.where(valid, plane, np.nan).astype(np.float32)
    overall = float(np.nanmedian(data)) if valid.any() else 0.0
    my, mx = -(-ny // box), -(-nx // box)
    padded = np.full((my * box, mx * box), np.nan, np.float32)
    padded[:ny, :nx] = data
    blocks = padded.reshape(my, box, mx, box).transpose(0, 2, 1, 3).reshape(my, mx, -1)
    enough = np.isfinite(blocks).sum(axis=-1) >= box * box / 3
    with np.errstate(all="ignore"):
        for _ in range(2):  # clip what a star or a glow adds, then the median again
            centre = np.nanmedian(blocks, axis=-1, keepdims=True)
            spread = 1.4826 * np.nanmedian(np.abs(blocks - centre), axis=-1, keepdims=True)
            blocks = np.where(np.abs(blocks - centre) > 3 * spread, np.nan, blocks)
        grid = np.nanmedian(blocks, axis=-1)
    grid = np.where(enough & np.isfinite(grid), grid, overall)
    rows = (np.arange(ny) + 0.5) / box - 0.5
    cols = (np.arange(nx) + 0.5) / box - 0.5
    coords = np.meshgrid(rows, cols, indexing="ij")
    return ndimage.map_coordinates(grid, coords, order=1, mode="nearest").astype(np.float32)


def _planes(
    low: np.ndarray, variance: np.ndarray, other: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Return ``(finite, noise, known, other)``: ``low`` 0 and ``other`` ``low`` where unknown.

    None when fewer than 10 pixels of ``low`` are known.
    """
    finite = np.isfinite(low)
    if finite.sum() < 10:
        return None
    noise = np.sqrt(np.maximum(variance, 1e-12))
    known = np.where(finite, low, 0.0)
    return finite, noise, known, np.where(np.isfinite(other) & finite, other, known)


def _above_sky(
    low: np.ndarray,
    planes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    valid: np.ndarray,
    scale: float,
    significance: float,
    box: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the sky (`background` of ``valid`` pixels) and where ``low`` is above it."""
    finite, noise, known, _ = planes
    sky = background(low, valid, box)
    return sky, _smoothed(_normalised((known - sky) / noise, finite), scale) > significance


def glow_reference(
    low: np.ndarray,
    variance: np.ndarray,
    first: np.ndarray,
    scale: float,
    significance: float = 5.0,
    box: int = 32,
) -> np.ndarray | None:
    """Return ``low`` with the sky background under decaying glows; None where there are none.

    Parameters
    ----------
    low : numpy.ndarray
        Per-pixel lowest run mean (inf where unknown), from `statistics.runs`.
    variance : numpy.ndarray
        Per-pixel variance of a difference within the runs (the differences are scaled
        by its square root, so that a bright source's noise does not pass for a change).
    first : numpy.ndarray
        The first run's mean (NaN where unknown).
    scale : float
        Matched-filter width in pixels (the scale of a shower).
    significance : float
        Smoothed significance both conditions need.
    box : int
        Background box side, in pixels (larger than a shower).

    Returns
    -------
    numpy.ndarray of float32 or None
        ``low`` elsewhere (inf where unknown); None when no pixel takes the background.
    """
    planes = _planes(low, variance, first)
    if planes is None:
        return None
    finite, noise, known, first = planes
    decaying = _smoothed(_normalised((first - known) / noise, finite), scale) > significance
    if not decaying.any():
        return None
    _, above = _above_sky(low, planes, finite, scale, significance, box)
    # the background again without the glows and the constant sources found
    valid = finite & ~above & ~decaying
    sky, above = _above_sky(low, planes, valid, scale, significance, box)
    glowing = decaying & above & finite
    return np.where(glowing, sky, low).astype(np.float32) if glowing.any() else None


def rising_reference(
    low: np.ndarray,
    variance: np.ndarray,
    opening: np.ndarray,
    scale: float,
    significance: float = 4.0,
    box: int = 32,
    smooth: float = 2.5,
) -> np.ndarray | None:
    """Return ``low`` lowered by the step of glows begun in the first run; None if none.

    Parameters
    ----------
    low : numpy.ndarray
        Per-pixel lowest run mean (inf where unknown), from `statistics.runs`.
    variance : numpy.ndarray
        Per-pixel variance of a difference within the runs.
    opening : numpy.ndarray
        Mean of the first few differences (NaN where unknown), from the same pass.
    scale : float
        Matched-filter width in pixels (the scale of a shower).
    significance : float
        Smoothed significance that the step and the excess over the sky both need (lower
        than `glow_reference`'s: both must pass it, and a step found by noise only lowers
        the reference by that noise).
    box : int
        Background box side, in pixels (larger than a shower).
    smooth : float
        Width in pixels of the Gaussian that smooths the step taken off.

    Returns
    -------
    numpy.ndarray of float32 or None
        ``low`` less the step where a glow rose after the first differences (inf where
        unknown); None when there is no such pixel.
    """
    planes = _planes(low, variance, opening)
    if planes is None:
        return None
    finite, noise, known, opening = planes
    # the step in units of the noise, less its median: the lowest of a few run means is
    # biased low by the same fraction of the noise everywhere (`single_reference`)
    step, spread = _centred((known - opening) / noise, finite)
    rising = _smoothed(step / np.float32(spread), scale) > significance
    if not rising.any():
        return None
    _, above = _above_sky(low, planes, finite & ~rising, scale, significance, box)
    use = rising & above & finite
    if not use.any():
        return None
    weight = ndimage.gaussian_filter(finite.astype(np.float32), smooth)
    smoothed = ndimage.gaussian_filter(step, smooth) / np.maximum(weight, np.float32(1e-3))
    lowered = low - np.maximum(smoothed, 0.0) * noise
    return np.where(use, lowered, low).astype(np.float32)
