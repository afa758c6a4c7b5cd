"""Read boxes of a ramp's SCI and GROUPDQ one band of rows per group, straight from the file."""

from __future__ import annotations

import io

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import Product, is_gzip

__all__ = ["BandReader"]

_DTYPES = {8: "u1", 16: ">i2", 32: ">i4", -32: ">f4", -64: ">f8"}


class BandReader:
    """Read 4-D boxes ``(integration, groups, rows, columns)`` of SCI and GROUPDQ.

    astropy's ``section`` reads such a box one row of one group at a time (tens of
    thousands of reads for a shower's box); here each group's band of rows is one read, of
    which only the box's columns are kept (whole rows are read straight into the result,
    byte-swapped in place). Other extensions, gzipped files, tile-compressed or scaled data
    and data models in memory go through `Product.read`. Every array returned is the
    caller's own.

    Parameters
    ----------
    product : Product
    """

    def __init__(self, product: Product) -> None:
        self.product = product
        #: ``{extname: (dtype, data offset, shape)}`` of the extensions read here
        self.layout: dict[str, tuple[str, int, tuple[int, ...]]] = {}
        if product.in_memory or is_gzip(product.path):
            return
        for hdu in product.layout():
            header = hdu.header
            scaled = header.get("BZERO", 0) != 0 or header.get("BSCALE", 1) != 1
            if hdu.name not in ("SCI", "GROUPDQ") or hdu.compressed or scaled:
                continue
            shape = tuple(int(header[f"NAXIS{n}"]) for n in range(header["NAXIS"], 0, -1))
            self.layout[hdu.name] = (_DTYPES[int(header["BITPIX"])], hdu.data_start, shape)

    def read(self, extname: str, key: tuple) -> np.ndarray:
        """Return ``extname[key]`` in native byte order.

        Parameters
        ----------
        extname : str
        key : tuple
            Basic index; ``(integration, slice, slice, slice)`` with normalised slices
            (step 1, non-negative bounds) is read band by band.

        Returns
        -------
        numpy.ndarray
        """
        if extname not in self.layout or len(key) != 4:
            return self.product.read(extname, key)
        dtype, offset, shape = self.layout[extname]
        integration, groups, rows, cols = key
        ngroups, ny, nx = shape[1:]
        full_rows = cols == slice(0, nx)
        group_range = range(ngroups)[groups]
        out = np.empty((len(group_range), rows.stop - rows.start, cols.stop - cols.start), dtype)
        with open(self.product.path, "rb", buffering=0) as stream:
            for n, g in enumerate(group_range):
                start = ((integration * ngroups + g) * ny + rows.start) * nx
                stream.seek(offset + start * out.itemsize)
                if full_rows:  # one contiguous band: read in place
                    _read_into(stream, out[n], self.product.path)
                    continue
                band = np.fromfile(stream, dtype, (rows.stop - rows.start) * nx)
                out[n] = band.reshape(-1, nx)[:, cols]
        if not out.dtype.isnative:
            out.byteswap(inplace=True)
        return out.view(out.dtype.newbyteorder("="))


def _read_into(stream: io.RawIOBase, target: np.ndarray, path: object) -> None:
    """Fill a contiguous array from the stream's position (short reads continue)."""
    view = target.reshape(-1).view(np.uint8).data
    while view.nbytes:
        count = stream.readinto(view)
        if not count:
            raise ShowerMaskError(f"{path}: the file ends inside its data")
        view = view[count:]
