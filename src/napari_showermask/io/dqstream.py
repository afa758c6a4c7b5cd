"""Mask a DQ plane while it is copied: one pass over its bytes, a block of 2-D planes at a time.

The same rules as `napari_showermask.core.masking.mask_array`, with the same bits set: for a
ramp, each pixel's usable groups before its onset are counted as the groups go by (they
all come before the first masked group), so no row is read twice. The stored integers
are OR-ed as they are (big-endian, with or without ``BZERO``), and the ``DATASUM`` is
updated from the bits added alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, RATE_FLAGS, SATURATED
from napari_showermask.core.masking import showers_by_integration
from napari_showermask.core.onsets import onset_maps
from napari_showermask.core.shower import Shower
from napari_showermask.io.checksums import DataSum, word_weights

__all__ = ["BLOCK_BYTES", "DQStream"]

# Bytes read, masked and written at once (whole planes, at least one): a buffer that stays
# in a core's cache; a larger one (16 MB) made reading and writing it 2-5x slower.
BLOCK_BYTES = 2 * 2**20


@dataclass
class _Box:
    """One cluster of overlapping showers in one integration: its box and per-pixel state."""

    rows: slice
    cols: slice
    onset: np.ndarray  # earliest masked group of each pixel; ngroups where none
    first: int  # earliest onset in the box
    last: int  # latest onset in the box
    usable: np.ndarray  # usable groups seen so far before each pixel's onset
    weights: np.ndarray | None  # DATASUM weight of each column, when only columns matter
    flags: np.ndarray | None = None  # the bits of every group after the last onset


class DQStream:
    """Masks consecutive blocks of a DQ plane's stored integers as they are copied.

    Parameters
    ----------
    showers : sequence of Shower
        Checked against the data already (`napari_showermask.core.masking.check_showers`).
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the DQ plane.
    dtype : numpy.dtype
        Its stored integers (``>u1``, ``>u2`` or ``>u4``).
    datasum : DataSum or None
        Updated with every change, when the extension has ``DATASUM``/``CHECKSUM``.
    """

    def __init__(
        self,
        showers: Sequence[Shower],
        kind: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        datasum: DataSum | None = None,
    ) -> None:
        self.kind, self.dtype, self.datasum = kind, np.dtype(dtype), datasum
        self.ny, self.nx = shape[-2:]
        # every kind as (integrations, groups, ny, nx): rateints have one group, rate one of each
        self.nints = shape[0] if kind != "rate" else 1
        self.ngroups = shape[1] if kind == "ramp" else 1
        self.nbytes = int(np.prod(shape)) * self.dtype.itemsize
        size = self.dtype.itemsize
        # a plane's and a row's bytes are whole words: a column's word position never changes
        aligned = (self.ny * self.nx * size) % 4 == 0 and (self.nx * size) % 4 == 0
        self.boxes: dict[int, list[_Box]] = {}
        for integration, group in showers_by_integration(showers, kind).items():
            maps = onset_maps(group, (self.ny, self.nx), self.ngroups, kind == "ramp")
            self.boxes[integration] = [
                _Box(
                    rows,
                    cols,
                    onset,
                    int(onset[onset < self.ngroups].min()),
                    int(onset[onset < self.ngroups].max()),
                    np.zeros(onset.shape, np.int32),
                    word_weights(size, np.arange(cols.start, cols.stop) * size)
                    if aligned
                    else None,
                )
                for (rows, cols), onset in maps
            ]

    def copy(
        self,
        source: BinaryIO,
        target: BinaryIO,
        block_bytes: int = BLOCK_BYTES,
        report: Callable[[int], None] | None = None,
    ) -> None:
        """Read the plane from ``source``, mask it and write it to ``target``, block by block.

        Parameters
        ----------
        source, target : binary file
            Positioned at the start of the plane's data and where it goes.
        block_bytes : int
            Bytes read at once (rounded down to whole planes, at least one).
        report : callable, optional
            Called with the bytes done after each block.

        Raises
        ------
        OSError
            The source ends before the plane does.
        """
        plane = self.ny * self.nx
        per_block = max(1, min(self.ngroups, block_bytes // (plane * self.dtype.itemsize)))
        buffer = np.empty((per_block, self.ny, self.nx), self.dtype)
        raw = buffer.reshape(-1).view(np.uint8).data  # a writable memoryview of the buffer
        done = 0
        for integration in range(self.nints):
            for g0 in range(0, self.ngroups, per_block):
                count = min(per_block, self.ngroups - g0)
                size = count * plane * self.dtype.itemsize
                if _read_exactly(source, raw[:size]) < size:
                    raise OSError(f"input ended early, {done + size} bytes into the DQ data")
                block = buffer[:count]
                for box in self.boxes.get(integration, ()):
                    self._mask(block, integration * self.ngroups + g0, g0, box)
                target.write(raw[:size])
                done += size
                if report is not None:
                    report(done)

    def _mask(self, block: np.ndarray, plane0: int, g0: int, box: _Box) -> None:
        """OR one box's bits into a block of groups ``g0...`` (planes ``plane0...``)."""
        end = g0 + len(block)
        sub = block[:, box.rows, box.cols]
        if self.kind != "ramp":
            on = box.onset < self.ngroups
            flags = np.where(on, RATE_FLAGS, 0).astype(self.dtype)[None]
        else:
            groups = np.arange(g0, end, dtype=np.int32)[:, None, None]
            before = None  # the block's groups lying before each pixel's onset (None: none)
            if g0 < box.last:  # groups before some pixel's onset: count the usable ones
                clean = (sub & (DO_NOT_USE | SATURATED)) == 0
                if end <= box.first:  # before every onset: nothing to mask yet
                    box.usable += clean.sum(axis=0, dtype=np.int32)
                    return
                before = groups < box.onset
                box.usable += (clean & before).sum(axis=0, dtype=np.int32)
            # every group before a pixel's onset is counted once its onset is reached
            per_pixel = box.flags if box.flags is not None else self._flags(box)
            if g0 >= box.last:  # the counts are complete: the same bits for every later group
                box.flags = per_pixel
            flags = per_pixel[None] if before is None else np.where(before, 0, per_pixel)
        if self.datasum is not None:
            self._count(flags & ~sub, plane0, box)
        sub |= flags

    def _flags(self, box: _Box) -> np.ndarray:
        """Each pixel's bits: JUMP_DET, and DO_NOT_USE where < 2 usable groups precede it."""
        masked = box.onset < self.ngroups
        drop = masked & (box.usable < 2)
        per_pixel = np.where(masked, JUMP_DET | np.where(drop, DO_NOT_USE, 0), 0)
        return per_pixel.astype(self.dtype)

    def _count(self, added: np.ndarray, plane0: int, box: _Box) -> None:
        """Add the bits about to be set to the ``DATASUM``."""
        assert self.datasum is not None
        size = self.dtype.itemsize
        if box.weights is not None:
            total = added.sum(axis=(0, 1), dtype=np.int64) * box.weights
        else:
            planes = (plane0 + np.arange(len(added))) * (self.ny * self.nx * size)
            rows = np.arange(box.rows.start, box.rows.stop) * (self.nx * size)
            cols = np.arange(box.cols.start, box.cols.stop) * size
            positions = planes[:, None, None] % 4 + rows[None, :, None] % 4 + cols % 4
            total = added.astype(np.int64) * word_weights(size, positions)
        self.datasum.add(int(total.sum()))


def _read_exactly(source: BinaryIO, view: memoryview) -> int:
    """Fill ``view`` from ``source`` (a gzip stream may return less per call)."""
    done = 0
    while done < len(view):
        count = source.readinto(view[done:])  # type: ignore[attr-defined]
        if not count:
            break
        done += count
    return done
