"""DQ planes for display: decode flag bits into a few categories a viewer can colour.

napari's label colormaps cannot take uint32 DQ values, and a viewer needs only to tell a few
flags apart, so each DQ value maps to a category code made of four bits: DO_NOT_USE (1),
SATURATED (2), JUMP_DET (4), and any other flag (8). Codes are the same for ``GROUPDQ``
(group flags) and ``DQ`` (pixel flags), whose first three bits have the same meaning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.planes import _split_key, one_frame
from napari_showermask.core.prefetch import FramePrefetch

__all__ = ["CATEGORY_COLORS", "DQCategories", "category_names", "dq_categories", "flag_names"]

_SHOWN = {
    1: ("DO_NOT_USE", dqflags.group["DO_NOT_USE"]),
    2: ("SATURATED", dqflags.group["SATURATED"]),
    4: ("JUMP_DET", dqflags.group["JUMP_DET"]),
}
_OTHER = 8
_KNOWN = sum(bit for _, bit in _SHOWN.values())


def _low_byte_codes() -> np.ndarray:
    """Category code of each value 0-255 (all shown flags are in the low byte)."""
    values = np.arange(256)
    codes = np.zeros(256, np.uint8)
    for code, (_, bit) in _SHOWN.items():
        codes[(values & bit) != 0] |= code
    codes[(values & ~_KNOWN) != 0] |= _OTHER
    return codes


_LOW_BYTE_CODES = _low_byte_codes()


def dq_categories(dq: np.ndarray) -> np.ndarray:
    """Return the category code (0-15) of each DQ value.

    Parameters
    ----------
    dq : numpy.ndarray
        ``GROUPDQ`` or ``DQ`` values (unsigned integers).

    Returns
    -------
    numpy.ndarray of uint8
        Bits: 1 DO_NOT_USE, 2 SATURATED, 4 JUMP_DET, 8 any other flag.
    """
    dq = np.asarray(dq)
    codes: np.ndarray = _LOW_BYTE_CODES[dq & 0xFF]  # one table look-up per pixel
    if dq.dtype.itemsize > 1:
        codes[dq > 0xFF] |= _OTHER
    return codes


def category_names(code: int) -> str:
    """Return the flag names of a category code, e.g. ``'DO_NOT_USE, JUMP_DET'``.

    Parameters
    ----------
    code : int

    Returns
    -------
    str
        ``'none'`` for 0.
    """
    names = [name for bit, (name, _) in _SHOWN.items() if code & bit]
    if code & _OTHER:
        names.append("other flags")
    return ", ".join(names) or "none"


def flag_names(value: int, plane: str = "DQ") -> str:
    """Return the names of every flag set in a DQ value (stdatamodels' mnemonics).

    Parameters
    ----------
    value : int
        A ``GROUPDQ`` or ``DQ`` value.
    plane : {'GROUPDQ', 'DQ', 'PIXELDQ'}
        ``GROUPDQ`` values use the group flags, others the pixel flags.

    Returns
    -------
    str
        e.g. ``'DO_NOT_USE, JUMP_DET'``; ``'GOOD'`` for 0; bits with no name as ``bit N``.
    """
    table = dqflags.group if plane.upper() == "GROUPDQ" else dqflags.pixel
    value = int(value)
    names = [
        name for name, bit in table.items() if bit and value & bit == bit and bit & (bit - 1) == 0
    ]
    known = sum(table[name] for name in names)
    names += [f"bit {n}" for n in range(64) if (value & ~known) >> n & 1]
    return ", ".join(names) or "GOOD"


def _color(code: int) -> tuple[float, float, float, float]:
    if code == 0:
        return (0.0, 0.0, 0.0, 0.0)
    if code & 2:
        return (1.0, 0.6, 0.0, 1.0)  # SATURATED: orange
    if code & 4:
        return (1.0, 0.0, 1.0, 1.0)  # JUMP_DET: magenta
    if code & 1:
        return (0.25, 0.45, 1.0, 1.0)  # DO_NOT_USE: blue
    return (1.0, 1.0, 0.3, 1.0)  # other flags: yellow


#: RGBA colour of each category code (saturation first, then jumps, then do-not-use).
CATEGORY_COLORS: dict[int | None, tuple[float, float, float, float]] = {
    code: _color(code) for code in range(16)
}
CATEGORY_COLORS[None] = (0.0, 0.0, 0.0, 0.0)


class DQCategories:
    """A lazy array of category codes over a lazy DQ array (e.g. `Product.dq`).

    Parameters
    ----------
    dq : array-like
        Anything with ``shape`` and ``__getitem__`` returning DQ values.
    prefetch : bool
        Compute the next whole frame in the direction of paging in background, for a viewer.
    """

    def __init__(self, dq: Any, prefetch: bool = False) -> None:
        self.dq = dq
        self.shape = tuple(dq.shape)
        self.dtype = np.dtype(np.uint8)
        self.ndim = len(self.shape)
        self._prefetch = (
            FramePrefetch(lambda index: dq_categories(dq[index]), self.shape[:-2])
            if prefetch
            else None
        )
        product = getattr(dq, "product", None)  # a product's DQ plane: drop frames on close
        if self._prefetch is not None and product is not None:
            product.on_close(self._prefetch.close)

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return int(self.shape[0])

    def __getitem__(self, key: Any) -> np.ndarray | DQCategories:
        if isinstance(key, int | np.integer) and self.ndim > 3:
            # napari asks ``data[0].dtype``: answer with a lazy view, not a whole integration
            return DQCategories(_Leading(self.dq, int(key)))
        single = _whole_frame(key, self.shape)
        if self._prefetch is not None and single is not None:
            index, kept = single
            frame = self._prefetch.get(index)
            return frame.reshape((1,) * kept + frame.shape)
        return dq_categories(self.dq[key])


def _whole_frame(key: Any, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int] | None:
    """Return the frame ``key`` selects whole and its kept length-1 axes, else None."""
    try:
        lead, plane = _split_key(key, len(shape))
        if plane != (slice(None), slice(None)):
            return None
        return one_frame(lead, shape)
    except IndexError:  # not a plain int/slice index, or out of range: read as asked
        return None


class _Leading:
    """``array[index]`` for an integer index on the first axis, without reading it."""

    def __init__(self, array: Any, index: int) -> None:
        self.array, self.index = array, range(array.shape[0])[index]
        self.shape = tuple(array.shape[1:])

    def __getitem__(self, key: Any) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        return np.asarray(self.array[(self.index, *key)])
