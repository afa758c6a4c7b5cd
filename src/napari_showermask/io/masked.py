"""Write a masked copy of a product: same bytes, plus the shower DQ bits and HISTORY cards.

The copy is made at the byte level, not through astropy's writer: the primary header gets
HISTORY cards before its END card (in the header's blank padding when they fit, so every
later byte keeps its offset; other cards keep their exact images), every other byte is
copied as it is, except the DQ extension's data, which is masked on its way through, a
block of planes at a time (`napari_showermask.io.dqstream`): one pass over every byte.
``CHECKSUM`` and ``DATASUM`` cards, where the input has them, are updated from the bits
added alone (`napari_showermask.io.checksums`). Memory stays at one block whatever the
file size.

The bytes before and after the DQ data are copied in the kernel where it can
(`napari_showermask.io.filecopy`), with byte-identical output on every platform. The file
is published by `napari_showermask.io.publish.atomic_output`: complete or not at all, never
onto an input, exclusive unless overwriting. Like ``cp`` and astropy's ``writeto``, data
are left to the operating system to flush (no fsync).
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
from astropy.io import fits

from napari_showermask.core.errors import ShowerMaskError, not_a_file, os_reason
from napari_showermask.core.identify import reader_of
from napari_showermask.core.masking import check_showers
from napari_showermask.core.models import is_datamodel
from napari_showermask.core.products import HDULayout, open_product, stem
from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import catalog_showers
from napari_showermask.io.dqstream import DQStream
from napari_showermask.io.filecopy import copy_until
from napari_showermask.io.hdusums import dq_sum, update_sums, with_checksum
from napari_showermask.io.history import history_lines
from napari_showermask.io.paths import check_output
from napari_showermask.io.publish import atomic_output

if TYPE_CHECKING:
    from astropy.table import Table

__all__ = ["default_output", "write_masked"]

BLOCK = 2880
CARD = 80

Progress = Callable[[float], None]


def default_output(path: str | os.PathLike[str]) -> Path:
    """Return ``<dir>/<stem>_showers_masked.fits`` for an input path.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    return path.with_name(f"{stem(path)}_showers_masked.fits")


def write_masked(
    input_path: str | os.PathLike[str] | Any,
    showers: Sequence[Shower] | Table | str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    catalog_name: str | os.PathLike[str] = "catalog",
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write a copy of a product with the showers masked in its DQ plane.

    Parameters
    ----------
    input_path : str, path-like or stdatamodels.DataModel
        A ramp, rateints or rate product (plain or gzip-compressed FITS); never modified.
        A ``RampModel``, ``CubeModel`` or ``ImageModel`` in memory is saved as it would
        save itself, masked (`napari_showermask.io.masked_model`); ``output`` is then
        required.
    showers : sequence of Shower, astropy.table.Table, or str / path-like
        The showers to mask (rules in `napari_showermask.core.masking`): records, a table
        (`napari_showermask.core.tables.showers_from_table`), or a catalog file read with
        `napari_showermask.io.catalog.read_catalog` for the product's kind.
    output : str or path-like, optional
        Defaults to `default_output`; an uncompressed FITS file (a ``.gz`` name is refused).
    overwrite : bool
        Replace an existing output (never an input).
    progress : callable, optional
        Called with the fraction done, from 0 to 1.
    catalog_name : str or path-like
        Named in error messages about catalog rows.
    inputs : iterable of str or path-like
        Other files the caller reads (the catalog): the output may not be one of them.

    Returns
    -------
    pathlib.Path
        The output path.

    Raises
    ------
    ShowerMaskError
        Bad input, a shower outside the data, a DQ plane that cannot be masked in place,
        an output that is an input, exists (without ``overwrite``) or cannot be written.
    TypeError
        ``input_path`` or ``showers`` is of a type not listed here.
    """
    if is_datamodel(input_path):
        from napari_showermask.io.masked_model import write_masked_model

        return write_masked_model(input_path, showers, output, overwrite, catalog_name, inputs)
    if not isinstance(input_path, str | os.PathLike):
        raise TypeError(
            "write_masked takes a file path or a stdatamodels model (RampModel, CubeModel, "
            f"ImageModel), not {type(input_path).__name__}"
        )
    input_path = Path(input_path)
    output = Path(output) if output is not None else default_output(input_path)
    sources = [input_path, *inputs]
    if isinstance(showers, str | os.PathLike):
        sources.append(Path(showers))
    if output.name.lower().endswith(".gz"):
        raise ShowerMaskError(
            f"{output}: compressed output is not written; give a .fits name (gzip it after)"
        )
    check_output(output, sources, overwrite)
    report = progress or (lambda fraction: None)
    with _open_input(input_path) as raw:
        # the input is opened once: everything is read from this open file, whatever
        # happens to its name meanwhile; a change to the file itself fails the run
        opened = os.fstat(raw.fileno())
        with open_product(input_path, source=raw) as product:
            found, catalog_name = catalog_showers(showers, product.kind, catalog_name)
            check_showers(found, product.kind, product.shape, catalog_name)
            kind, shape, layout = product.kind, product.shape, product.layout()
        primary = layout[0]
        dq = _dq_layout(input_path, layout, "GROUPDQ" if kind == "ramp" else "DQ", shape)
        datasum = dq_sum(input_path, raw, dq)
        dtype = np.dtype(f">u{dq.header['BITPIX'] // 8}")
        stream = DQStream(found, kind, shape, dtype, datasum)
        with atomic_output(output, sources, overwrite) as handle:
            try:
                with reader_of(raw) as source:
                    total = _size(source, layout, opened)

                    def done(position: int) -> None:
                        report(0.95 * position / max(total, 1))

                    header = _with_history(source.read(primary.data_start), found, kind)
                    shift = len(header) - primary.data_start
                    handle.write(with_checksum(header, primary, input_path, raw))
                    copy_until(source, handle, dq.data_start, done)
                    stream.copy(source, handle, report=lambda n: done(dq.data_start + n))
                    copy_until(source, handle, total, done)
            except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                raise ShowerMaskError(f"{input_path}: damaged gzip file ({exc})") from None
            except OSError:  # an input that ended early, or a full disk (named by the caller)
                _check_unchanged(input_path, raw, opened)
                raise
            _check_unchanged(input_path, raw, opened)
            handle.flush()
            update_sums(handle, dq, shift, datasum)
            report(1.0)
    return output


def _open_input(path: Path) -> BinaryIO:
    """Open the input, once: a missing or unreadable one is a one-line error."""
    if not path.is_file():
        raise not_a_file(path)
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ShowerMaskError(f"{path}: cannot read ({os_reason(exc)})") from None


def _check_unchanged(path: Path, raw: BinaryIO, opened: os.stat_result) -> None:
    """Fail if the input file was rewritten or resized while it was copied."""
    now = os.fstat(raw.fileno())
    if (now.st_size, now.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns):
        raise ShowerMaskError(
            f"{path}: changed while it was read (shortened or rewritten); nothing written"
        )


def _size(source: BinaryIO, layout: list[HDULayout], opened: os.stat_result) -> int:
    """Return the bytes of the (decompressed) input to copy.

    To the end of its last HDU, or of the file as it was opened if longer; never what a
    file being shortened has left.
    """
    end = layout[-1].data_start + layout[-1].data_span
    if isinstance(source, gzip.GzipFile):
        return end
    return max(end, opened.st_size)


def _dq_layout(
    path: Path, layout: list[HDULayout], name: str, shape: tuple[int, ...]
) -> HDULayout:
    """Return the DQ extension's layout, refusing one that cannot be masked byte-wise."""
    found = next((hdu for hdu in layout if hdu.name == name), None)
    if found is None:
        raise ShowerMaskError(f"{path}: no {name} extension")
    if found.compressed:
        raise ShowerMaskError(
            f"{path}: {name} is tile-compressed; decompress the file first (e.g. funpack)"
        )
    header = found.header
    bitpix, bzero, bscale = header["BITPIX"], header.get("BZERO", 0), header.get("BSCALE", 1)
    # unsigned integers, stored as is (uint8) or signed with BZERO = 2**(bits-1); the flags
    # OR-ed in lie below the top bit, so OR-ing into the stored integers is exact.
    if bitpix not in (8, 16, 32) or bscale != 1 or bzero not in (0, 2 ** (bitpix - 1)):
        raise ShowerMaskError(
            f"{path}: {name} is not an unsigned integer plane (BITPIX {bitpix}, "
            f"BZERO {bzero}, BSCALE {bscale})"
        )
    axes = tuple(header.get(f"NAXIS{n}", 0) for n in range(header.get("NAXIS", 0), 0, -1))
    if axes != tuple(shape) or found.data_span < np.prod(shape) * bitpix // 8:
        raise ShowerMaskError(f"{path}: {name} has shape {axes}, SCI has {tuple(shape)}")
    return found


def _history_cards(showers: Sequence[Shower], kind: str) -> list[str]:
    return [fits.Card("HISTORY", line).image for line in history_lines(showers, kind)]


def _with_history(header: bytes, showers: Sequence[Shower], kind: str) -> bytes:
    """Insert HISTORY cards before the END card of a raw header.

    They go into the blank cards after END when there is room (the header keeps its
    size); otherwise the header grows by whole 2880-byte blocks.
    """
    cards = [header[n : n + CARD] for n in range(0, len(header), CARD)]
    end = next((n for n, c in enumerate(cards) if c.rstrip() == b"END"), None)
    if end is None:
        raise ShowerMaskError("primary header has no END card")
    new = [c.encode("ascii") for c in _history_cards(showers, kind)]
    body = b"".join(cards[:end] + new + [cards[end]])
    if all(not c.strip() for c in cards[end + 1 :]) and len(body) <= len(header):
        return body + b" " * (len(header) - len(body))
    return body + b" " * (-len(body) % BLOCK)
