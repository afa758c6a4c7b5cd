"""A masked copy's ``CHECKSUM`` and ``DATASUM`` cards, kept valid as its bytes change.

The primary header gains HISTORY cards and the DQ data unit gains bits: their sums are
recomputed (the DQ one from the bits added, `napari_showermask.io.checksums.DataSum`);
every other HDU is copied unchanged and keeps its sums.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from astropy.io import fits

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.identify import reader_of
from napari_showermask.core.products import HDULayout
from napari_showermask.io.checksums import DataSum, checksum_string, data_sum
from napari_showermask.io.filecopy import read_at, write_at

__all__ = ["dq_sum", "update_sums", "with_checksum"]

CARD = 80


def _card_index(header: bytes, keyword: str) -> int | None:
    key = keyword.encode("ascii").ljust(8) + b"="
    for n in range(0, len(header), CARD):
        if header[n : n + 9] == key:
            return n
        if header[n : n + CARD].rstrip() == b"END":
            return None
    return None


def _set_card(header: bytes, keyword: str, value: str) -> bytes:
    """Give a header's string card a new value, keeping its comment."""
    at = _card_index(header, keyword)
    if at is None:
        return header
    card = fits.Card.fromstring(header[at : at + CARD].decode("ascii"))
    image = str(fits.Card(keyword, value, card.comment).image).encode("ascii")
    return header[:at] + image + header[at + CARD :]


def with_checksum(header: bytes, hdu: HDULayout, path: Path, raw: BinaryIO) -> bytes:
    """Recompute a header's ``CHECKSUM`` (if it has one) for its unchanged data unit."""
    if _card_index(header, "CHECKSUM") is None:
        return header
    datasum = _datasum_card(hdu)
    if datasum is None:  # no DATASUM card: the data's sum is read
        datasum = _summed(path, raw, hdu)
    header = _set_card(header, "CHECKSUM", "0" * 16)
    return _set_card(header, "CHECKSUM", checksum_string(header, datasum))


def dq_sum(path: Path, raw: BinaryIO, dq: HDULayout) -> DataSum | None:
    """Return the DQ data unit's sum to keep up to date, or None when it needs none.

    A ``CHECKSUM`` without ``DATASUM`` is legal: by the FITS standard it covers header
    and data (the data's sum is then read); astropy's ``verify_checksum`` takes a
    missing ``DATASUM`` as 0, so one made that way covers the header alone, which does
    not change. Whichever the input's satisfies is kept.
    """
    if "DATASUM" in dq.header:
        return DataSum(_datasum_card(dq) or 0)
    if "CHECKSUM" not in dq.header:
        return None
    total = _summed(path, raw, dq)
    with reader_of(raw) as source:
        source.seek(dq.header_start)
        header = source.read(dq.data_start - dq.header_start)
    value = str(dq.header["CHECKSUM"])
    zeroed = _set_card(header, "CHECKSUM", "0" * 16)
    if checksum_string(zeroed, total) != value and checksum_string(zeroed, 0) == value:
        return None  # the header alone: it stays as it is
    return DataSum(total)


def _summed(path: Path, raw: BinaryIO, hdu: HDULayout) -> int:
    """Return the ``DATASUM`` of an HDU's data unit, read from the input."""
    with reader_of(raw) as source:
        source.seek(hdu.data_start)
        total = data_sum(source, hdu.data_span)
    if total is None:
        raise ShowerMaskError(f"{path}: changed while it was read (extension {hdu.name} ended)")
    return total


def _datasum_card(hdu: HDULayout) -> int | None:
    if hdu.data_span == 0:
        return 0
    try:
        return int(str(hdu.header["DATASUM"]).strip())
    except (KeyError, ValueError):
        return None


def update_sums(handle: BinaryIO, dq: HDULayout, shift: int, datasum: DataSum | None) -> None:
    """Write the DQ extension's new ``DATASUM`` and ``CHECKSUM`` into the output."""
    if datasum is None:
        return
    start, size = dq.header_start + shift, dq.data_start - dq.header_start
    header = read_at(handle, size, start)
    header = _set_card(header, "DATASUM", str(datasum.current))
    if _card_index(header, "CHECKSUM") is not None:
        header = _set_card(header, "CHECKSUM", "0" * 16)
        header = _set_card(header, "CHECKSUM", checksum_string(header, datasum.current))
    write_at(handle, header, start)
