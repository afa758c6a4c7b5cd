"""Read bands of rows of a ramp's planes straight into the caller's arrays, for streaming passes.

`Product.read` goes through astropy's ``section``, which allocates a new big-endian array
for every plane and a second one in native byte order. A pass that reads every plane of a
full-frame ramp (detection reads ~240 planes of 4 MB, twice) spends as long on that as on
the arithmetic. `PlaneReader` reads one band of whole rows of one ``SCI`` or ``GROUPDQ``
plane with a single read into an array the pass keeps, and byte-swaps it in place: the
values are the ones `Product.read` returns. Gzipped files, tile-compressed or scaled data,
other extensions and data models in memory go through `Product.read`.
"""

from __future__ import annotations

import io

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import Product, is_gzip

__all__ = ["PlaneReader"]

_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", -32: ">f4", -64: ">f8"}


class PlaneReader:
    """Read ``extname[integration, group, rows, :]`` of a ramp into the caller's arrays.

    One per thread (it holds one open stream); close it, or use it as a context manager.

    Parameters
    ----------
    product : Product
    """

    def __init__(self, product: Product) -> None:
        self.product = product
        #: ``{extname: (file dtype, data offset, (nints, ngroups, ny, nx))}`` read directly
        self.layout: dict[str, tuple[np.dtype, int, tuple[int, ...]]] = {}
        self._stream: io.RawIOBase | None = None
        if product.in_memory or product.kind != "ramp" or is_gzip(product.path):
            return
        for hdu in product.layout():
            header = hdu.header
            scaled = header.get("BZERO", 0) != 0 or header.get("BSCALE", 1) != 1
            bitpix = int(header.get("BITPIX", 0))
            if hdu.name not in ("SCI", "GROUPDQ") or hdu.compressed or scaled:
                continue
            if bitpix not in _DTYPES or header.get("NAXIS") != 4:
                continue
            shape = tuple(int(header[f"NAXIS{n}"]) for n in range(4, 0, -1))
            self.layout[hdu.name] = (np.dtype(_DTYPES[bitpix]), hdu.data_start, shape)
        if self.layout:
            self._stream = open(product.path, "rb", buffering=0)  # noqa: SIM115 (closed in close)

    def dtype(self, extname: str) -> np.dtype:
        """Native dtype of the arrays `read` returns for ``extname``.

        Parameters
        ----------
        extname : str

        Returns
        -------
        numpy.dtype
        """
        if extname in self.layout:
            return self.layout[extname][0].newbyteorder("=")
        return self.product.read(extname, (0, 0, slice(0, 1))).dtype

    def read(
        self, extname: str, integration: int, group: int, rows: slice, out: np.ndarray
    ) -> np.ndarray:
        """Fill ``out`` with ``extname[integration, group, rows, :]`` (native byte order).

        Parameters
        ----------
        extname : str
            ``'SCI'`` or ``'GROUPDQ'``.
        integration, group : int
        rows : slice
            Step 1, non-negative bounds within the plane.
        out : numpy.ndarray
            ``(rows, nx)``, C-contiguous, of `dtype` ``(extname)``.

        Returns
        -------
        numpy.ndarray
            ``out``.
        """
        if extname not in self.layout or self._stream is None:
            out[...] = self.product.read(extname, (integration, group, rows))
            return out
        dtype, offset, (_, ngroups, ny, nx) = self.layout[extname]
        start = ((integration * ngroups + group) * ny + rows.start) * nx
        self._stream.seek(offset + start * dtype.itemsize)
        view = out.reshape(-1).view(np.uint8).data
        while view.nbytes:
            count = self._stream.readinto(view)
            if not count:
                raise ShowerMaskError(f"{self.product.path}: the file ends inside its data")
            view = view[count:]
        if not dtype.isnative and dtype.itemsize > 1:
            out.byteswap(inplace=True)
        return out

    def close(self) -> None:
        """Close the stream."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def __enter__(self) -> PlaneReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
