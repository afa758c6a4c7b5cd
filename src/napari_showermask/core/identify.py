"""What a file is: a product's kind from its headers, its stem, its compression, its damage."""

from __future__ import annotations

import gzip
import os
import warnings
import zlib
from pathlib import Path
from typing import BinaryIO

from astropy.io import fits

from napari_showermask.core.dq import _KIND_BY_NDIM, DQ_EXTENSION, KIND_BY_MODEL, ProductKind
from napari_showermask.core.errors import ShowerMaskError, first_line

__all__ = [
    "check_complete",
    "claims_product",
    "is_gzip",
    "kind_or_reason",
    "product_kind",
    "reader_of",
    "stem",
    "unreadable_reason",
]

_GZIP_MAGIC = b"\x1f\x8b"
#: Name endings of the JWST products the tools read (before ``.fits``).
PRODUCT_SUFFIXES = ("_jump", "_ramp", "_rate", "_rateints")
_FITS_SUFFIXES = (".fits.gz", ".fits", ".fit")


def stem(path: str | os.PathLike[str]) -> str:
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


def claims_product(path: str | os.PathLike[str]) -> bool:
    """Tell whether a file says it is a JWST product, readable or not.

    True for a ``_jump``, ``_ramp``, ``_rate`` or ``_rateints`` name, or a primary header
    naming a JWST data model (``DATAMODL``) or telescope (``TELESCOP = 'JWST'``). A damaged
    product claims to be one: its reader should say why it cannot be read, where other
    FITS files are left to other readers. Never raises.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
    """
    if stem(path).lower().endswith(PRODUCT_SUFFIXES):
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = fits.getheader(path, 0)
    except Exception:  # not even a primary header: not a product that says so
        return False
    telescope = str(header.get("TELESCOP", "")).strip().upper()
    return bool(str(header.get("DATAMODL", "")).strip()) or telescope == "JWST"


def product_kind(path: str | os.PathLike[str]) -> ProductKind | None:
    """Tell from the headers alone whether a file is a ramp, rateints or rate product.

    Never raises: anything that is not a readable FITS file whose data model (``DATAMODL``)
    is one of `KIND_BY_MODEL`, with a ``SCI`` of the matching dimensions and its DQ
    extension, gives None.

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
                kind = kind_or_reason(hdul)
                return kind if isinstance(kind, str) and kind in DQ_EXTENSION else None
    except Exception:  # any unreadable file is simply "not ours"
        return None


def kind_or_reason(hdul: fits.HDUList) -> ProductKind | str:
    """Return the product kind, or a one-line reason why the file is not a product."""
    names = {hdu.name for hdu in hdul}
    if "SCI" not in names:
        return "no SCI extension (not a JWST product)"
    model = str(hdul[0].header.get("DATAMODL", "")).strip()
    ndim = int(hdul["SCI"].header.get("NAXIS", 0))
    if not model:
        return "no DATAMODL keyword in the primary header (not a JWST pipeline product)"
    kind = KIND_BY_MODEL.get(model)
    if kind is None:
        return (
            f"data model {model} is not a ramp (RampModel), rateints (CubeModel) or rate "
            "(ImageModel) product"
        )
    expected = {v: k for k, v in _KIND_BY_NDIM.items()}[kind]
    if ndim != expected:
        return f"SCI has {ndim} dimension(s); a {kind} product ({model}) has {expected}"
    if DQ_EXTENSION[kind] not in names:
        return f"{kind} product has no {DQ_EXTENSION[kind]} extension"
    return kind


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Tell whether a file is gzip-compressed, from its first bytes (not its name).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    bool
    """
    with open(path, "rb") as stream:
        return stream.read(2) == _GZIP_MAGIC


def reader_of(source: BinaryIO) -> BinaryIO:
    """Return a new reader of an open file (decompressing gzip), at its start.

    It has its own descriptor (closing it leaves ``source`` open) on the same open
    file: whatever happens to the file's name meanwhile, it reads the file ``source`` is.

    Parameters
    ----------
    source : binary file
        A plain, seekable file opened for reading.

    Returns
    -------
    binary file
    """
    reader = os.fdopen(os.dup(source.fileno()), "rb")
    reader.seek(0)
    if reader.read(2) == _GZIP_MAGIC:
        reader.seek(0)
        return gzip.GzipFile(fileobj=reader, mode="rb")  # type: ignore[return-value]
    reader.seek(0)
    return reader


def check_complete(path: Path, hdul: fits.HDUList, source: BinaryIO | None = None) -> None:
    """Raise if the file ends before the last HDU's data does, or its compression is broken.

    Parameters
    ----------
    path : pathlib.Path
    hdul : astropy.io.fits.HDUList
        The file, opened.
    source : binary file, optional
        The file at ``path``, already open (`reader_of`): its size is checked, not the
        size of what ``path`` names now.

    Raises
    ------
    ShowerMaskError
        Naming the file and what is missing.
    """
    if source is not None:
        with reader_of(source) as stream:
            compressed = isinstance(stream, gzip.GzipFile)
            size = _end_of(path, stream) if compressed else os.fstat(source.fileno()).st_size
    elif is_gzip(path):
        with gzip.open(path, "rb") as stream:
            size = _end_of(path, stream)  # type: ignore[arg-type]
    else:
        size = path.stat().st_size
    shape = tuple(hdul["SCI"].shape or ()) if "SCI" in hdul else ()
    if 0 in shape:
        raise ShowerMaskError(f"{path}: SCI is empty (shape {shape}); nothing to read")
    for hdu in hdul:
        info = hdu.fileinfo()
        needed = info["datLoc"] + hdu._data_size
        if needed > size:
            raise ShowerMaskError(
                f"{path}: truncated ({size} bytes; extension {hdu.name} needs {needed})"
            )


def _end_of(path: Path, stream: BinaryIO) -> int:
    """Return the decompressed size of a gzip stream (reading it all checks its CRC)."""
    try:
        return stream.seek(0, os.SEEK_END)
    except (OSError, EOFError, zlib.error) as exc:
        raise ShowerMaskError(f"{path}: damaged gzip file ({first_line(exc)})") from None


def unreadable_reason(path: Path, exc: BaseException) -> str:
    """Say why astropy could not open a file: not FITS at all, or a damaged FITS file.

    Parameters
    ----------
    path : pathlib.Path
    exc : BaseException
        What astropy raised.

    Returns
    -------
    str
        One line, without the file's name.
    """
    compressed = False
    try:
        compressed = is_gzip(path)
        with (gzip.open if compressed else open)(path, "rb") as stream:
            start = stream.read(30)
    except (OSError, EOFError, zlib.error) as err:
        if compressed:
            return f"damaged gzip file ({first_line(err)})"
        return f"cannot read ({first_line(err)})"
    if not start.startswith(b"SIMPLE  ="):
        return "not a FITS file (no SIMPLE card at the start)"
    if compressed:
        return f"damaged gzip file or truncated FITS inside it ({first_line(exc)})"
    return f"truncated or corrupt FITS file ({first_line(exc)})"
