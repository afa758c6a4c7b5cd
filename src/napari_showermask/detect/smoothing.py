"""Gaussian smoothing of whole frames as small banded matrix products, for `cusum`.

`scipy.ndimage.gaussian_filter` runs a scalar double-precision loop over every line of
the frame: about 11 ms for a full MIRI frame at the detector's scale (2.5 pixels), half
of the detector's time. The same separable filter is a product with a banded matrix
along each axis; cut into bands of a few rows (columns), each product is a small dense
one that BLAS does in single precision, four to five times faster. The weights are
scipy's (its kernel, its ``truncate``, its ``'reflect'`` edges); the values agree with
`gaussian_filter`'s to the last bits of a float32 (the sums are taken in another order
and in single precision).

The bands are kept small enough (``rows x (rows + 2 radius) x width``, `_MOST` products)
that OpenBLAS runs each in the calling thread: larger ones would wake its thread pool,
which spins on the other core and costs CPU time for nothing.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Smoother"]

_MOST = 1 << 18  # multiply-adds of one product; OpenBLAS threads above this


def _kernel(scale: float, truncate: float) -> np.ndarray:
    """Return scipy's Gaussian weights for ``scale`` and ``truncate`` (centre in the middle)."""
    radius = int(truncate * float(scale) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    phi = np.exp(-0.5 / float(scale) ** 2 * x**2)
    return phi / phi.sum()


def _reflected(index: np.ndarray, size: int) -> np.ndarray:
    """Map indices beyond ``[0, size)`` onto it as scipy's ``'reflect'`` mode does."""
    period = np.mod(index, 2 * size)
    return np.where(period >= size, 2 * size - 1 - period, period)


def _bands(size: int, other: int, kernel: np.ndarray) -> list[tuple[slice, slice, np.ndarray]]:
    """Cut the axis's ``(size, size)`` smoothing matrix into bands of a few output lines.

    Each band is ``(output lines, input lines, weights)``: the output lines are the
    product of the weights with the input lines (the only ones with nonzero weights).
    ``other`` is the length of the other axis (the product's third dimension).
    """
    radius = len(kernel) // 2
    rows = 1
    while rows < size and (rows + 1) * (rows + 1 + 2 * radius) * other <= _MOST:
        rows += 1
    bands = []
    for start in range(0, size, rows):
        stop = min(size, start + rows)
        dense = np.zeros((stop - start, size))
        for line in range(start, stop):
            taps = _reflected(np.arange(line - radius, line + radius + 1), size)
            np.add.at(dense[line - start], taps, kernel)
        used = np.flatnonzero(dense.any(axis=0))
        low, high = int(used[0]), int(used[-1]) + 1
        weights = np.ascontiguousarray(dense[:, low:high], dtype=np.float32)
        bands.append((slice(start, stop), slice(low, high), weights))
    return bands


class Smoother:
    """Smooth ``(ny, nx)`` float32 frames by a Gaussian, as ``gaussian_filter`` does.

    Parameters
    ----------
    shape : (int, int)
        The frames' shape.
    scale : float
        The Gaussian's standard deviation, pixels.
    truncate : float
        The kernel reaches ``truncate * scale`` pixels each way (scipy's rounding).

    Examples
    --------
    >>> smoother = Smoother((64, 80), 2.5, truncate=3.5)
    >>> smoother(np.ones((64, 80), np.float32)).round(5).max()
    np.float32(1.0)
    """

    def __init__(self, shape: tuple[int, int], scale: float, truncate: float = 4.0) -> None:
        ny, nx = shape
        kernel = _kernel(scale, truncate)
        self.rows = _bands(ny, nx, kernel)
        # along the rows, each band is the transpose: input columns x output columns
        self.columns = [(out, used, w.T.copy()) for out, used, w in _bands(nx, ny, kernel)]
        self.between = np.empty(shape, np.float32)

    def __call__(self, frame: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``frame`` smoothed (into ``out`` when given; float32).

        Parameters
        ----------
        frame : numpy.ndarray
            ``(ny, nx)`` float32, finite.
        out : numpy.ndarray, optional
            ``(ny, nx)`` float32, not ``frame``.

        Returns
        -------
        numpy.ndarray
        """
        out = np.empty(frame.shape, np.float32) if out is None else out
        between = self.between
        for lines, used, weights in self.rows:
            np.matmul(weights, frame[used], out=between[lines])
        for lines, used, weights in self.columns:
            np.matmul(between[:, used], weights, out=out[:, lines])
        return out
