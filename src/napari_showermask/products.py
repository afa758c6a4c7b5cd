"""Open JWST ramp, rate and rateints products lazily, plane by plane.

A *product* is a FITS file written by the JWST pipeline (or by stdatamodels) with a ``SCI``
extension of 4 (ramp: ``nints, ngroups, ny, nx``), 3 (rateints: ``nints, ny, nx``) or 2
(rate: ``ny, nx``) dimensions; its data-quality plane is ``GROUPDQ`` for ramps and ``DQ``
otherwise. Extensions are found by EXTNAME, never by index. Nothing here reads more than
the planes asked for: arrays are read through astropy's ``section`` (which also applies the
``BZERO`` of uint32 DQ planes), so a many-GB ramp costs a few planes of memory.
"""

from __future__ import annotations

import gzip
import os
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning

from .errors import ShowerMaskError
from .planes import ProductPlanes

__all__ = ["Product", "ProductKind", "ProductPlanes", "open_product", "product_kind", "stem"]

ProductKind = Literal["ramp", "rateints", "rate"]

_KIND_BY_NDIM: dict[int, ProductKind] = {4: "ramp", 3: "rateints", 2: "rate"}
_FITS_SUFFIXES = (".fits.gz", ".fits", ".fit")


def stem(path: str | os.PathLike) -> str:
    """Return the file name without ``.fits``, ``.fit`` or ``.fits.gz``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        ``"x_jump"`` for ``.../x_jump.fits``.
    """
    name = Path(path).name
    for suffix in _FITS_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def product_kind(path: str | os.PathLike) -> ProductKind | None:
    """Tell from the headers alone whether a file is a ramp, rateints or rate product.

    Never raises: anything that is not a readable FITS file with a 2-, 3- or 4-D ``SCI``
    image (and, for 4-D, a ``GROUPDQ`` extension) gives None.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    {'ramp', 'rateints', 'rate'} or None
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
                names = {hdu.name for hdu in hdul}
                if "SCI" not in names:
                    return None
                kind = _KIND_BY_NDIM.get(int(hdul["SCI"].header.get("NAXIS", 0)))
                if kind is None or ("GROUPDQ" if kind == "ramp" else "DQ") not in names:
                    return None
                return kind
    except Exception:  # any unreadable file is simply "not ours"
        return None


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
    _last: tuple = field(default=((), None), repr=False)  # the last difference frame

    @property
    def nints(self) -> int:
        """Number of integrations (1 for rate products)."""
        return self.shape[0] if self.kind != "rate" else 1

    @property
    def ngroups(self) -> int:
        """Number of groups per integration (1 for rate and rateints products)."""
        return self.shape[1] if self.kind == "ramp" else 1

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
            data = self._hdul[extname].section[key]
        data = np.asarray(data)
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
        last_index, last_frame = self._last
        if last_frame is not None and last_index == index:
            return last_frame.copy()  # the viewer and the contrast both ask for it
        frame = self.read("SCI", index).astype(np.float32, copy=False)
        if self.kind == "ramp" and index[1] > 0:
            frame = frame - self.read("SCI", (index[0], index[1] - 1))
        self._last = (index, frame)
        return frame.copy()

    @property
    def differences(self) -> ProductPlanes:
        """Lazy array of difference frames (the shape of ``SCI``)."""
        return ProductPlanes(self, "difference")

    @property
    def dq(self) -> ProductPlanes:
        """Lazy array of the DQ plane (``GROUPDQ`` or ``DQ``), unsigned integers."""
        return ProductPlanes(self, self.dq_name)

    def close(self) -> None:
        """Close the file."""
        self._hdul.close()

    def __enter__(self) -> Product:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_product(path: str | os.PathLike) -> Product:
    """Open a JWST ramp, rateints or rate product for lazy reading.

    Parameters
    ----------
    path : str or path-like
        ``.fits``, ``.fit`` or ``.fits.gz``.

    Returns
    -------
    Product

    Raises
    ------
    ShowerMaskError
        The file is missing, not FITS, truncated, has no ``SCI`` or no DQ extension, or
        ``SCI`` is not 2-, 3- or 4-dimensional.
    """
    path = Path(path)
    if not path.is_file():
        raise ShowerMaskError(f"{path}: no such file")
    with warnings.catch_warnings():
        # damage is reported by the checks below, as one line naming the file
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("error", fits.verify.VerifyWarning)
        try:
            hdul = fits.open(path, memmap=False, lazy_load_hdus=False)
        except Exception as exc:  # astropy raises OSError, ValueError, warnings...
            raise ShowerMaskError(f"{path}: {_unreadable(path, exc)}") from None
        try:
            return _product_from(path, hdul)
        except ShowerMaskError:
            hdul.close()
            raise


def _product_from(path: Path, hdul: fits.HDUList) -> Product:
    _check_complete(path, hdul)
    names = [hdu.name for hdu in hdul]
    if "SCI" not in names:
        raise ShowerMaskError(f"{path}: no SCI extension (not a JWST product)")
    sci = hdul["SCI"]
    shape = tuple(sci.shape or ())
    kind = _KIND_BY_NDIM.get(len(shape))
    if kind is None:
        raise ShowerMaskError(
            f"{path}: SCI has {len(shape)} dimension(s); expected 4 (ramp), "
            "3 (rateints) or 2 (rate)"
        )
    dq_name = "GROUPDQ" if kind == "ramp" else "DQ"
    if dq_name not in names:
        raise ShowerMaskError(f"{path}: {kind} product has no {dq_name} extension")
    dq_shape = tuple(hdul[dq_name].shape or ())
    if dq_shape != shape:
        raise ShowerMaskError(f"{path}: {dq_name} shape {dq_shape} differs from SCI {shape}")
    return Product(path, kind, shape, dq_name, hdul)


def _check_complete(path: Path, hdul: fits.HDUList) -> None:
    """Raise if the file ends before the last HDU's data does."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as stream:
            size = stream.seek(0, os.SEEK_END)
    else:
        size = path.stat().st_size
    for hdu in hdul:
        info = hdu.fileinfo()
        needed = info["datLoc"] + hdu._data_size
        if needed > size:
            raise ShowerMaskError(
                f"{path}: truncated ({size} bytes; extension {hdu.name} needs {needed})"
            )


def _unreadable(path: Path, exc: BaseException) -> str:
    """Say why astropy could not open a file: not FITS at all, or a damaged FITS file."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            start = stream.read(30)
    except OSError as err:
        return f"cannot read ({_one_line(err)})"
    if not start.startswith(b"SIMPLE  ="):
        return "not a FITS file (no SIMPLE card at the start)"
    return f"truncated or corrupt FITS file ({_one_line(exc)})"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
