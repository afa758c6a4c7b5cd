"""Difference frames of one integration of a ramp, streamed one plane at a time, for `detection`.

A difference frame ``g`` is ``SCI[i, g] - SCI[i, g-1]``; its pixels are left out (NaN)
where group ``g`` is flagged DO_NOT_USE, SATURATED or JUMP_DET, where group ``g-1`` is
DO_NOT_USE or SATURATED, and where the caller's ``bad`` pixels are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.planereader import PlaneReader
from napari_showermask.core.products import Product

__all__ = ["box_frames", "frames"]

_DNU, _SAT = dqflags.group["DO_NOT_USE"], dqflags.group["SATURATED"]
_BAD = _DNU | _SAT | dqflags.group["JUMP_DET"]


def frames(
    product: Product, integration: int, groups: Sequence[int], bad: np.ndarray
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(group, difference frame)``, float32 with left-out pixels NaN.

    The frame yielded is overwritten by the next one: use it (or copy it) before asking
    for the next. Planes are read straight into arrays kept for the whole pass
    (`PlaneReader`).

    Parameters
    ----------
    product : Product
    integration : int
    groups : sequence of int
        Groups ``g >= 1`` in ascending order.
    bad : numpy.ndarray of bool
        Pixels always left out (`bad_pixels`).

    Yields
    ------
    (int, numpy.ndarray)
    """
    shape = product.image_shape
    rows = slice(0, shape[0])
    with PlaneReader(product) as reader:
        sci_type, dq_type = reader.dtype("SCI"), reader.dtype("GROUPDQ")
        raw = np.empty(shape, sci_type) if sci_type != np.float32 else None
        sci, last_sci = np.empty(shape, np.float32), np.empty(shape, np.float32)
        dq, last_dq = np.empty(shape, dq_type), np.empty(shape, dq_type)
        frame, flags = np.empty(shape, np.float32), np.empty(shape, dq_type)
        left_out, before = np.empty(shape, bool), np.empty(shape, bool)

        def read(group: int, values: np.ndarray, flags: np.ndarray) -> None:
            if raw is None:
                reader.read("SCI", integration, group, rows, values)
            else:
                np.copyto(values, reader.read("SCI", integration, group, rows, raw), "unsafe")
            reader.read("GROUPDQ", integration, group, rows, flags)

        last_group: int | None = None
        for g in groups:
            if last_group != g - 1:
                read(g - 1, last_sci, last_dq)
            read(g, sci, dq)
            np.subtract(sci, last_sci, out=frame)
            np.not_equal(np.bitwise_and(dq, _BAD, out=flags), 0, out=left_out)
            np.bitwise_and(last_dq, _DNU | _SAT, out=flags)
            np.not_equal(flags, 0, out=before)
            left_out |= before
            left_out |= bad
            np.copyto(frame, np.float32(np.nan), where=left_out)
            last_group = g
            sci, last_sci, dq, last_dq = last_sci, sci, last_dq, dq
            yield g, frame


def box_frames(
    product: Product,
    integration: int,
    groups: Sequence[int],
    box: tuple[slice, slice],
    bad: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return a box's difference frames and where they are usable, read in one go.

    Parameters
    ----------
    product : Product
    integration : int
    groups : sequence of int
        Groups ``g >= 1`` in ascending order.
    box : (slice, slice)
        Rows and columns of the box.
    bad : numpy.ndarray of bool
        Pixels always left out, over the whole image.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(len(groups), h, w)`` float32 differences (left-out pixels hold their raw
        value) and the boolean mask of the usable ones (the same rules as `frames`).
    """
    first, last = groups[0] - 1, groups[-1] + 1
    key = (integration, slice(first, last), *box)
    sci = product.read("SCI", key).astype(np.float32)
    dq = product.read("GROUPDQ", key)
    index = np.asarray(groups) - first
    differences = sci[index] - sci[index - 1]
    known = (dq[index] & _BAD) == 0
    known &= (dq[index - 1] & (_DNU | _SAT)) == 0
    known &= ~bad[box]
    return differences, known
