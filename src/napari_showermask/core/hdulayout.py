"""Where one HDU of a FITS file lies on disk: the record the byte-level writer works from."""

from __future__ import annotations

from dataclasses import dataclass

from astropy.io import fits

__all__ = ["HDULayout"]


@dataclass(frozen=True)
class HDULayout:
    """Where one HDU lies in a FITS file.

    Attributes
    ----------
    name : str
        EXTNAME (``PRIMARY`` for the first).
    header_start, data_start : int
        Byte offsets of the header and of the data unit.
    data_span : int
        Bytes of the data unit, padding included.
    header : astropy.io.fits.Header
    compressed : bool
        A tile-compressed image (its data is a binary table on disk).
    """

    name: str
    header_start: int
    data_start: int
    data_span: int
    header: fits.Header
    compressed: bool
