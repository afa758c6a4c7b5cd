"""Open JWST ramp, rate and rateints products lazily, plane by plane.

A *product* is a FITS file written by the JWST pipeline (or by stdatamodels) whose data
model (primary ``DATAMODL``) is a ramp (``RampModel``: ``SCI`` is ``nints, ngroups, ny,
nx``), rateints (``CubeModel``: ``nints, ny, nx``) or rate (``ImageModel``,
``IFUImageModel``: ``ny, nx``); its data-quality plane is ``GROUPDQ`` for ramps and ``DQ``
otherwise. Other models (an IFU cube ``_s3d`` is 3-D too) are declined. Compression is
recognised by content (gzip magic bytes), not by name. Extensions are found by EXTNAME,
never by index. Nothing here reads more than the planes asked for: arrays are read
through astropy's ``section`` (which also applies the ``BZERO`` of uint32 DQ planes), so a
many-GB ramp costs a few planes of memory.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from napari_showermask.core.dq import (
    DQ_EXTENSION,
    KIND_BY_MODEL,
    ProductKind,
    group_count,
    integration_count,
)
from napari_showermask.core.errors import ShowerMaskError, not_a_file
from napari_showermask.core.hdulayout import HDULayout
from napari_showermask.core.identify import (
    check_complete,
    is_gzip,
    kind_or_reason,
    product_kind,
    reader_of,
    stem,
    unreadable_reason,
)
from napari_showermask.core.models import is_datamodel, model_hdulist, model_name
from napari_showermask.core.planes import ProductPlanes

__all__ = [
    "DQ_EXTENSION",
    "HDULayout",
    "KIND_BY_MODEL",
    "Product",
    "ProductKind",
    "ProductPlanes",
    "is_gzip",
    "open_product",
    "product_kind",
    "stem",
]


@dataclass
class Product:
    """An open JWST product: its kind, shape and lazily read planes.

    Use `open_product` to make one, and close it (or use it as a context manager).

    Attributes
    ----------
    path : pathlib.Path
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of ``SCI``.
    dq_name : str
        ``'GROUPDQ'`` for ramps, ``'DQ'`` otherwise.
    """

    path: Path
    kind: ProductKind
    shape: tuple[int, ...]
    dq_name: str
    _hdul: fits.HDUList = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _raw: tuple[Any, ...] = field(default=(), repr=False)  # the last two SCI frames read
    _on_close: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _in_memory: bool = field(default=False, repr=False)  # a data model's arrays, no file

    @property
    def nints(self) -> int:
        """Number of integrations (1 for rate products)."""
        return integration_count(self.kind, self.shape)

    @property
    def ngroups(self) -> int:
        """Number of groups per integration (1 for rate and rateints products)."""
        return group_count(self.kind, self.shape)

    @property
    def in_memory(self) -> bool:
        """True for a data model's arrays (`open_product` given a model): no file to reopen."""
        return self._in_memory

    @property
    def image_shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of one plane."""
        return self.shape[-2], self.shape[-1]

    @property
    def header(self) -> fits.Header:
        """The primary header."""
        return self._hdul[0].header

    def read(self, extname: str, key: Any) -> np.ndarray:
        """Read ``extname[key]`` from the file (native byte order, scaled).

        Parameters
        ----------
        extname : str
            ``'SCI'``, ``'GROUPDQ'``, ``'DQ'``, ``'PIXELDQ'``...
        key : index
            Any basic (int / slice) index; only that part of the file is read.

        Returns
        -------
        numpy.ndarray
        """
        with self._lock:
            hdu = self._hdul[extname]
            data = np.array(hdu.data[key]) if self._in_memory else np.asarray(hdu.section[key])
        return data.astype(data.dtype.newbyteorder("="), copy=False)

    def difference(self, index: Sequence[int] = ()) -> np.ndarray:
        """Return one difference frame as float32.

        Parameters
        ----------
        index : sequence of int
            ``(i, g)`` for ramps, ``(i,)`` for rateints, ``()`` for rate.

        Returns
        -------
        numpy.ndarray
            For ramps, ``SCI[i, g] - SCI[i, g-1]`` (``SCI[i, 0]`` for g = 0); otherwise
            ``SCI[index]``.
        """
        index = tuple(int(k) for k in index)
        frame = self._sci(index)
        if self.kind == "ramp" and index[1] > 0:
            difference: np.ndarray = frame - self._sci((index[0], index[1] - 1))
            return difference
        return frame.copy()  # the SCI frame kept for the next difference stays unchanged

    def _sci(self, index: tuple[int, ...]) -> np.ndarray:
        """One SCI frame as float32; paging a ramp reads each frame once, not twice."""
        for raw_index, kept in self._raw:
            if raw_index == index:
                return np.asarray(kept, np.float32)
        raw = self.read("SCI", index).astype(np.float32, copy=False)
        self._raw = ((index, raw), *self._raw[:1])
        return raw

    @property
    def differences(self) -> ProductPlanes:
        """Lazy array of difference frames (the shape of ``SCI``)."""
        return ProductPlanes(self, "difference")

    @property
    def dq(self) -> ProductPlanes:
        """Lazy array of the DQ plane (``GROUPDQ`` or ``DQ``), unsigned integers."""
        return ProductPlanes(self, self.dq_name)

    def extension_header(self, extname: str) -> fits.Header:
        """Return a copy of one extension's header.

        Parameters
        ----------
        extname : str

        Returns
        -------
        astropy.io.fits.Header
        """
        with self._lock:
            return self._hdul[extname].header.copy()

    def layout(self) -> list[HDULayout]:
        """Where each HDU lies in the (decompressed) file, in file order.

        Returns
        -------
        list of HDULayout
        """
        with self._lock:
            return [
                HDULayout(
                    hdu.name,
                    hdu.fileinfo()["hdrLoc"],
                    hdu.fileinfo()["datLoc"],
                    hdu.fileinfo()["datSpan"],
                    hdu.header.copy(),
                    isinstance(hdu, fits.CompImageHDU),
                )
                for hdu in self._hdul
            ]

    def close(self) -> None:
        """Close the file (after a read in progress in another thread) and drop frames kept.

        Layers napari keeps after they were removed then hold no frame of this product.
        """
        with self._lock:
            self._hdul.close()
            self._raw = ()
            callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` when the product is closed (e.g. to drop cached frames).

        Parameters
        ----------
        callback : callable
        """
        with self._lock:
            self._on_close.append(callback)

    def __enter__(self) -> Product:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_product(path: str | os.PathLike[str] | Any, source: BinaryIO | None = None) -> Product:
    """Open a JWST ramp, rateints or rate product for lazy reading.

    Parameters
    ----------
    path : str, path-like or stdatamodels.DataModel
        ``.fits``, ``.fit`` or ``.fits.gz``; or an open ``RampModel``, ``CubeModel`` or
        ``ImageModel`` (read where it is, in memory; its ``path`` is its file name).
    source : binary file, optional
        The file at ``path``, already open: read from it, not from what ``path`` names now.

    Returns
    -------
    Product

    Raises
    ------
    ShowerMaskError
        The file is missing, not FITS, truncated, has no ``SCI`` or no DQ extension, or
        ``SCI`` is not 2-, 3- or 4-dimensional.
    TypeError
        ``path`` is neither a path nor a data model.
    """
    if is_datamodel(path):
        return _product_from(model_name(path), model_hdulist(path), in_memory=True)
    if not isinstance(path, str | os.PathLike):
        raise TypeError(
            "open_product takes a file path or a stdatamodels model (RampModel, CubeModel, "
            f"ImageModel), not {type(path).__name__}"
        )
    path = Path(path)
    if source is None and not path.is_file():
        raise not_a_file(path)
    with warnings.catch_warnings():
        # damage is reported by the checks below, as one line naming the file
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("error", fits.verify.VerifyWarning)
        try:
            opened = path if source is None else reader_of(source)
            hdul = fits.open(opened, memmap=False, lazy_load_hdus=False)
        except Exception as exc:  # astropy raises OSError, ValueError, warnings...
            raise ShowerMaskError(f"{path}: {unreadable_reason(path, exc)}") from None
        try:
            return _product_from(path, hdul, source=source)
        except ShowerMaskError:
            hdul.close()
            raise
        except Exception as exc:  # damage found while reading the headers' data
            hdul.close()
            raise ShowerMaskError(f"{path}: {unreadable_reason(path, exc)}") from None


def _product_from(
    path: Path, hdul: fits.HDUList, in_memory: bool = False, source: BinaryIO | None = None
) -> Product:
    if not in_memory:
        check_complete(path, hdul, source)
    kind = kind_or_reason(hdul)
    if kind not in DQ_EXTENSION:
        raise ShowerMaskError(f"{path}: {kind}")
    shape = tuple(hdul["SCI"].shape or ())
    dq_name = DQ_EXTENSION[kind]
    dq_shape = tuple(hdul[dq_name].shape or ())
    if dq_shape != shape:
        raise ShowerMaskError(f"{path}: {dq_name} shape {dq_shape} differs from SCI {shape}")
    return Product(path, kind, shape, dq_name, hdul, _in_memory=in_memory)
