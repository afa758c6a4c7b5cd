"""Lazy, read-only N-D arrays over a product's planes, for napari, dask and the detector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from napari_showermask.core.framestats import frame_stats
from napari_showermask.core.prefetch import FramePrefetch

if TYPE_CHECKING:
    from napari_showermask.core.products import Product

__all__ = ["ProductPlanes"]


class ProductPlanes:
    """A read-only, lazily read N-D array over one extension or the difference frames.

    Indexing reads only what is asked for, plane by plane; there is no ``__array__``,
    so nothing converts the whole cube by accident. napari and dask take it as it is.

    Parameters
    ----------
    product : Product
    what : str
        An EXTNAME, or ``'difference'`` for `Product.difference` frames.
    prefetch : bool
        Compute the next frame in the direction of paging in background, for a viewer
        (`napari_showermask.core.prefetch.FramePrefetch`); whole frames only.
    """

    def __init__(self, product: Product, what: str, prefetch: bool = False) -> None:
        self.product = product
        self.what = what
        self.shape = product.shape
        self._prefetch = (
            FramePrefetch(self._plane, self.shape[:-2], describe=frame_stats) if prefetch else None
        )
        if self._prefetch is not None:
            product.on_close(self._prefetch.close)
        self.dtype: np.dtype
        if what == "difference":
            self.dtype = np.dtype(np.float32)
        else:
            header = product.extension_header(what)
            bitpix, bzero = header["BITPIX"], header.get("BZERO", 0)
            self.dtype = np.dtype({8: np.uint8, 16: np.int16, 32: np.int32}.get(bitpix, "f4"))
            if bitpix in (16, 32) and bzero == 2 ** (bitpix - 1):
                self.dtype = np.dtype(f"u{bitpix // 8}")

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        stat = self.product.path.stat()
        return (str(self.product.path), stat.st_mtime_ns, stat.st_size, self.what)

    def __getitem__(self, key: Any) -> np.ndarray:
        lead, plane = _split_key(key, self.ndim)
        single = one_frame(lead, self.shape)
        if self._prefetch is not None and single is not None:
            index, kept = single
            frame: np.ndarray = self._prefetch.get(index)[plane]
            return frame.reshape((1,) * kept + frame.shape)
        ranges = [range(n)[k] for k, n in zip(lead, self.shape[: len(lead)], strict=True)]
        indices = np.ndindex(*[len(r) for r in ranges if isinstance(r, range)])
        frames = []
        for pos in indices:
            it = iter(pos)
            index = tuple(r[next(it)] if isinstance(r, range) else r for r in ranges)
            frames.append(self._plane(index)[plane])
        out_shape = tuple(len(r) for r in ranges if isinstance(r, range))
        if not frames:
            return np.empty(out_shape + (0, 0), self.dtype)
        return np.stack(frames).reshape(out_shape + frames[0].shape)

    def frame_stats(self, index: tuple[int, ...]) -> tuple[float, float]:
        """Return the sigma-clipped ``(median, sigma)`` of one whole frame, for its contrast.

        With ``prefetch``, computed in background with each frame computed ahead.

        Parameters
        ----------
        index : tuple of int
            Leading indices of the frame.

        Returns
        -------
        tuple of float
            See `napari_showermask.core.framestats.frame_stats`.
        """
        if self._prefetch is not None:
            stats: tuple[float, float] = self._prefetch.described(index)
            return stats
        return frame_stats(self[tuple(index)])

    def _plane(self, index: tuple[int, ...]) -> np.ndarray:
        if self.what == "difference":
            return self.product.difference(index)
        return self.product.read(self.what, index)


def one_frame(lead: list[Any], shape: tuple[int, ...]) -> tuple[tuple[int, ...], int] | None:
    """Return the frame a leading index selects and how many length-1 axes it keeps.

    napari asks an image for ``data[g:g+1]`` and averages it (its default projection);
    such a one-frame slice is the same frame as ``data[g]``. None for anything else.
    """
    index, kept = [], 0
    for k, n in zip(lead, shape, strict=False):
        if isinstance(k, slice):
            picked = range(n)[k]
            if len(picked) != 1:
                return None
            index.append(picked[0])
            kept += 1
        else:
            index.append(range(n)[k])  # negative indices count from the end
    return tuple(index), kept


def _split_key(key: Any, ndim: int) -> tuple[list[Any], tuple[Any, ...]]:
    """Split an index into per-leading-axis ints/slices and the 2-D plane index."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        at = next(n for n, k in enumerate(key) if k is Ellipsis)
        key = key[:at] + (slice(None),) * (ndim - len(key) + 1) + key[at + 1 :]
    key = key + (slice(None),) * (ndim - len(key))
    if len(key) != ndim:
        raise IndexError(f"too many indices for a {ndim}-D array")
    for k in key:
        if not isinstance(k, slice | int | np.integer):
            raise IndexError(f"only integers and slices index product planes, not {k!r}")
    lead = [int(k) if isinstance(k, np.integer) else k for k in key[: ndim - 2]]
    return lead, tuple(key[ndim - 2 :])
