"""Write a masked copy of a product: same bytes, plus the shower DQ bits and HISTORY cards.

The copy is made at the byte level, not through astropy's writer: the primary header gets
HISTORY cards inserted before its END card (other cards keep their exact images), every
other byte is copied as it is (in the kernel), and then only the rows of the DQ extension
that showers touch are read, OR-ed and written back in place, a chunk of groups at a time.
Memory stays at a few such chunks whatever the file size. The
output is written to a temporary file in the same directory and renamed into place, so an
interrupted save leaves nothing behind. Like ``cp`` and astropy's ``writeto``, the data are
left to the operating system to flush (no fsync): the rename is what makes the save atomic.
"""

from __future__ import annotations

import gzip
import itertools
import os
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from astropy.io import fits

from . import __version__
from .catalog import Shower
from .errors import ShowerMaskError
from .masking import check_showers, mask_array
from .products import open_product, stem

__all__ = ["default_output", "write_masked"]

BLOCK = 2880
CARD = 80
_CHUNK = 256 * 2**20

Progress = Callable[[float], None]


def default_output(path: str | os.PathLike) -> Path:
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
    input_path: str | os.PathLike,
    showers: Sequence[Shower],
    output: str | os.PathLike | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    catalog_name: str | os.PathLike = "catalog",
) -> Path:
    """Write a copy of a product with the showers masked in its DQ plane.

    Parameters
    ----------
    input_path : str or path-like
        A ramp, rateints or rate product (``.fits`` or ``.fits.gz``); never modified.
    showers : sequence of Shower
        The showers to mask (rules in `napari_showermask.masking`).
    output : str or path-like, optional
        Defaults to `default_output`; always an uncompressed FITS file.
    overwrite : bool
        Replace an existing output.
    progress : callable, optional
        Called with the fraction done, from 0 to 1.
    catalog_name : str or path-like
        Named in error messages about catalog rows.

    Returns
    -------
    pathlib.Path
        The output path.

    Raises
    ------
    ShowerMaskError
        Bad input, a shower outside the data, an output that is the input, exists (without
        ``overwrite``) or cannot be written.
    """
    input_path = Path(input_path)
    output = Path(output) if output is not None else default_output(input_path)
    showers = list(showers)
    report = progress or (lambda fraction: None)
    with open_product(input_path) as product:
        check_showers(showers, product.kind, product.shape, catalog_name)
        kind, shape = product.kind, product.shape
        header_span = product._hdul[0].fileinfo()["datLoc"]
    if output.exists() and output.resolve() == input_path.resolve():
        raise ShowerMaskError(f"{output}: is the input file; choose another output")
    if output.exists() and not overwrite:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)")
    if not output.parent.is_dir():
        raise ShowerMaskError(f"{output}: cannot write (no directory {output.parent})")
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=output.parent, prefix=f".{output.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({exc.strerror or exc})") from None
    temporary = Path(handle.name)
    try:
        with handle, _open_raw(input_path) as source:
            primary = source.read(header_span)
            handle.write(_with_history(primary, showers, kind))
            _copy(source, handle, report)
            handle.flush()
            _mask_file(handle, kind, shape, showers)
            report(1.0)
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ShowerMaskError(f"{output}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return output


def _open_raw(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _copy(source: BinaryIO, target: BinaryIO, report: Progress) -> None:
    """Copy the rest of ``source`` to ``target``, in the kernel when both are plain files."""
    if isinstance(source, gzip.GzipFile):
        while chunk := source.read(_CHUNK):
            target.write(chunk)
        return
    target.flush()
    start, end = source.tell(), os.fstat(source.fileno()).st_size
    done = start
    while done < end:
        sent = os.copy_file_range(
            source.fileno(), target.fileno(), min(_CHUNK, end - done), done, None
        )
        if sent == 0:
            raise OSError(f"input ended early at byte {done}")
        done += sent
        report(0.95 * (done - start) / max(end - start, 1))
    target.seek(0, os.SEEK_END)


def _history_cards(showers: Sequence[Shower], kind: str) -> list[str]:
    plane = "GROUPDQ" if kind == "ramp" else "DQ"
    flags = "JUMP_DET" if kind == "ramp" else "DO_NOT_USE|JUMP_DET"
    lines = [
        f"napari-showermask {__version__}: {len(showers)} shower(s) masked, "
        f"{flags} OR-ed into {plane}"
    ]
    if kind == "ramp":
        lines.append(
            "from each shower's first group to the end of its integration; "
            "DO_NOT_USE too where < 2 usable groups precede it"
        )
    for s in showers:
        lines.append(
            f"shower int={s.integration} grp={s.group} x={s.x:.2f} y={s.y:.2f} "
            f"a={s.semi_major:.2f} b={s.semi_minor:.2f} theta={s.theta:.1f}"
        )
    cards = []
    for line in lines:
        for piece in textwrap.wrap(line, 70, subsequent_indent="  "):
            cards.append(fits.Card("HISTORY", piece).image)
    return cards


def _with_history(header: bytes, showers: Sequence[Shower], kind: str) -> bytes:
    """Insert HISTORY cards before the END card of a raw header, re-padded to blocks."""
    cards = [header[n : n + CARD] for n in range(0, len(header), CARD)]
    end = next((n for n, c in enumerate(cards) if c.rstrip() == b"END"), None)
    if end is None:
        raise ShowerMaskError("primary header has no END card")
    new = b"".join(c.encode("ascii") for c in _history_cards(showers, kind))
    body = b"".join(cards[:end]) + new + cards[end]
    return body + b" " * (-len(body) % BLOCK)


class _StoredDQ:
    """A DQ extension of an open file, as an array of its stored integers.

    Read and written with pread/pwrite of whole-row blocks; basic indices only.
    """

    def __init__(self, fd: int, offset: int, dtype: np.dtype, shape: tuple[int, ...]) -> None:
        self.fd, self.offset, self.dtype, self.shape = fd, offset, dtype, shape
        self.ndim = len(shape)

    def _planes(self, key: tuple) -> tuple[list[tuple[int, ...]], tuple[int, ...], slice, slice]:
        lead, (rows, cols) = key[:-2], key[-2:]
        sizes = self.shape[: len(lead)]
        ranges = [
            range(n)[k] if isinstance(k, slice) else [k] for k, n in zip(lead, sizes, strict=True)
        ]
        shape = tuple(len(r) for k, r in zip(lead, ranges, strict=True) if isinstance(k, slice))
        return list(itertools.product(*ranges)), shape, rows, cols

    def _block(self, index: tuple[int, ...], rows: slice) -> tuple[int, int]:
        flat = 0
        for k, n in zip(index, self.shape[:-2], strict=True):  # C order
            flat = flat * n + k
        ny, nx = self.shape[-2:]
        start = self.offset + (flat * ny + rows.start) * nx * self.dtype.itemsize
        return start, (rows.stop - rows.start) * nx * self.dtype.itemsize

    def _read(self, index: tuple[int, ...], rows: slice) -> np.ndarray:
        start, size = self._block(index, rows)
        data = np.frombuffer(os.pread(self.fd, size, start), dtype=self.dtype)
        return data.reshape(-1, self.shape[-1])

    def __getitem__(self, key: tuple) -> np.ndarray:
        planes, shape, rows, cols = self._planes(key)
        blocks = [self._read(index, rows)[:, cols] for index in planes]
        return np.stack(blocks).reshape(shape + blocks[0].shape)

    def __setitem__(self, key: tuple, values: np.ndarray) -> None:
        planes, _, rows, cols = self._planes(key)
        values = np.asarray(values).reshape((len(planes),) + np.shape(values)[-2:])
        for index, value in zip(planes, values, strict=True):
            block = self._read(index, rows).copy()
            block[:, cols] = value
            os.pwrite(self.fd, block.tobytes(), self._block(index, rows)[0])


def _mask_file(handle: BinaryIO, kind: str, shape: tuple[int, ...], showers) -> None:
    """OR the shower bits into the DQ plane of the file being written, in place."""
    name = "GROUPDQ" if kind == "ramp" else "DQ"
    with fits.open(handle.name, memmap=False, lazy_load_hdus=True) as hdul:
        hdu = hdul[name]
        offset = hdu.fileinfo()["datLoc"]
        bitpix, bzero = hdu.header["BITPIX"], hdu.header.get("BZERO", 0)
        bscale = hdu.header.get("BSCALE", 1)
    # unsigned integers, stored as is (uint8) or signed with BZERO = 2**(bits-1); the flags
    # OR-ed in lie below the top bit, so OR-ing into the stored integers is exact.
    if bitpix not in (8, 16, 32) or bscale != 1 or bzero not in (0, 2 ** (bitpix - 1)):
        raise ShowerMaskError(f"{handle.name}: {name} has unsupported BITPIX/BZERO/BSCALE")
    stored = _StoredDQ(handle.fileno(), offset, np.dtype(f">u{bitpix // 8}"), shape)
    mask_array(stored, showers, kind)
