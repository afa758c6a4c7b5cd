"""FITS ``DATASUM`` and ``CHECKSUM`` values (FITS standard, appendix J), kept up to date cheaply.

A ``DATASUM`` is the 32-bit ones' complement sum of the data unit read as big-endian
words; ones' complement addition is addition modulo 2**32 - 1, so when a few bytes change
the new sum is the old one plus the sum of the new bytes minus that of the old bytes
(`DataSum`): a masked file's sums are updated without reading the whole data unit. They
verify (``astropy.io.fits`` ``checksum=True``) whenever the input's did. ``CHECKSUM`` is
the 16-character encoding that makes the whole HDU sum to negative zero.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

__all__ = ["DataSum", "checksum_string", "data_sum", "ones_sum", "word_weights"]

_MODULUS = 2**32 - 1
_EXCLUDE = frozenset(b":;<=>?@[\\]^_`")


def ones_sum(data: bytes | np.ndarray, position: int = 0) -> int:
    """Return the plain (unfolded) sum of the big-endian 32-bit words a byte run adds.

    Parameters
    ----------
    data : bytes or numpy.ndarray
        The bytes.
    position : int
        Their offset from the start of the data unit: bytes land in words by it.

    Returns
    -------
    int
        An exact integer; reduce modulo 2**32 - 1 (or fold) for a ones' complement sum.
    """
    raw = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)  # type: ignore[arg-type]
    lead = position % 4
    tail = -(lead + raw.size) % 4
    if lead or tail:
        raw = np.concatenate([np.zeros(lead, np.uint8), raw, np.zeros(tail, np.uint8)])
    return int(raw.view(">u4").sum(dtype=np.uint64))


def word_weights(itemsize: int, positions: np.ndarray) -> np.ndarray:
    """Return what one unit of a big-endian integer at each byte position adds to a sum.

    Parameters
    ----------
    itemsize : int
        Bytes per integer: 1, 2 or 4 (at positions that keep it within one word).
    positions : numpy.ndarray
        Byte offsets from the start of the data unit.

    Returns
    -------
    numpy.ndarray
        int64 weights, ``256 ** (4 - itemsize - position % 4)``: the sum of the words
        changes by the sum of ``(new - old) * weight`` over the changed integers.
    """
    shift = 8 * (4 - itemsize - np.asarray(positions, dtype=np.int64) % 4)
    return np.left_shift(np.int64(1), shift)


def data_sum(stream: BinaryIO, size: int, chunk: int = 8 * 2**20) -> int | None:
    """Return the ``DATASUM`` of the next ``size`` bytes of a stream (a data unit).

    Parameters
    ----------
    stream : binary file
        Positioned at the start of the data unit.
    size : int
        Its bytes, padding included.
    chunk : int
        Bytes read at once (a multiple of 4).

    Returns
    -------
    int or None
        The value astropy computes for ``DATASUM``; None if the stream ends early.
    """
    total = done = 0
    while done < size:
        data = stream.read(min(chunk, size - done))
        if not data:
            return None
        total += ones_sum(data, done)
        done += len(data)
    return _fold(total)


def _fold(total: int) -> int:
    while total >> 32:
        total = (total & 0xFFFFFFFF) + (total >> 32)
    return total


class DataSum:
    """A data unit's ``DATASUM``, updated as blocks of its bytes are replaced.

    Parameters
    ----------
    value : int
        The ``DATASUM`` before any change.
    """

    def __init__(self, value: int) -> None:
        self.value = int(value)
        self._residue = self.value % _MODULUS
        self._changed = False

    def add(self, change: int) -> None:
        """Account for the words of the data unit summing to ``change`` more than before."""
        self._residue = (self._residue + int(change)) % _MODULUS
        self._changed = True

    @property
    def current(self) -> int:
        """The ``DATASUM`` now (0 only for a data unit of zeros, as astropy computes it)."""
        if not self._changed:
            return self.value
        if self._residue == 0 and self.value != 0:
            return _MODULUS  # a nonzero data unit that sums to ones' complement zero
        return self._residue


def checksum_string(header: bytes, datasum: int) -> str:
    """Return the ``CHECKSUM`` value for a header (its CHECKSUM value all zeros) and datasum.

    Parameters
    ----------
    header : bytes
        The complete header, whose ``CHECKSUM`` card holds ``'0000000000000000'``.
    datasum : int
        The data unit's ``DATASUM``.

    Returns
    -------
    str
        16 characters.
    """
    total = _fold(datasum + ones_sum(header))
    value = ~total & 0xFFFFFFFF
    chars = [0] * 16
    for i in range(4):
        byte = (value >> (8 * (3 - i))) & 0xFF
        quotient, remainder = byte // 4 + ord("0"), byte % 4
        ch = [quotient + remainder, quotient, quotient, quotient]
        check = True
        while check:
            check = False
            for j in (0, 2):
                while ch[j] in _EXCLUDE or ch[j + 1] in _EXCLUDE:
                    ch[j] += 1
                    ch[j + 1] -= 1
                    check = True
        for j in range(4):
            chars[4 * j + i] = ch[j]
    return bytes(chars[(i + 15) % 16] for i in range(16)).decode("ascii")
