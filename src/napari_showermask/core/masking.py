"""The masking rules: which DQ bits a shower catalog sets, and where.

- Ramp (``GROUPDQ``, 4-D): for each shower (i, g), ``GROUPDQ[i, g:, pixels] |= JUMP_DET``.
  Where a masked pixel has fewer than two usable groups (neither DO_NOT_USE nor SATURATED)
  before its earliest masked group in integration i, those masked groups also get
  DO_NOT_USE, so ramp fitting drops that integration for the pixel instead of fitting one
  group (NaN) or none (a silent 0.0 slope).
- Rateints (``DQ``, 3-D): ``DQ[i, pixels] |= DO_NOT_USE | JUMP_DET``.
- Rate (``DQ``, 2-D): ``DQ[pixels] |= DO_NOT_USE | JUMP_DET``.

Pixels are those of `geometry.shower_pixels`. Bits are only ever OR-ed in. Work is done
per cluster of overlapping showers, inside the cluster's box and in chunks of groups, on
any array that supports basic slicing: an in-memory array or a memory map of the file
being written, so masking a many-GB ramp touches only the boxes it changes.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from napari_showermask.core.dq import (
    DO_NOT_USE,
    DQ_EXTENSION,
    JUMP_DET,
    RATE_FLAGS,
    SATURATED,
)
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.models import is_datamodel, model_kind
from napari_showermask.core.onsets import Box, onset_maps
from napari_showermask.core.shower import Shower
from napari_showermask.core.tables import as_showers

__all__ = ["check_showers", "mask_array", "showers_by_integration"]


def check_showers(
    showers: Sequence[Shower],
    kind: str,
    shape: tuple[int, ...],
    source: str | os.PathLike[str] = "catalog",
) -> None:
    """Raise if a shower lies outside the data.

    Parameters
    ----------
    showers : sequence of Shower
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the product's ``SCI``.
    source : str or path-like
        The catalog, named in the message.

    Raises
    ------
    ShowerMaskError
        An integration or group beyond the data, or an ellipse that covers no pixel.
    """
    for n, shower in enumerate(showers):
        if kind != "rate" and shower.integration >= shape[0]:
            raise ShowerMaskError(
                f"{source}: row {n}: integration {shower.integration} is outside the data "
                f"({shape[0]} integration(s))"
            )
        if kind == "ramp" and shower.group >= shape[1]:
            raise ShowerMaskError(
                f"{source}: row {n}: group {shower.group} is outside the data "
                f"({shape[1]} group(s))"
            )
        if shower_pixels(shower, (shape[-2], shape[-1])) is None:
            raise ShowerMaskError(
                f"{source}: row {n}: ellipse at x={shower.x:g}, y={shower.y:g} covers no "
                f"pixel of the {shape[-1]}x{shape[-2]} image"
            )


def showers_by_integration(showers: Iterable[Shower], kind: str) -> dict[int, list[Shower]]:
    """Group showers by the integration they mask (all under 0 for rate products).

    Parameters
    ----------
    showers : iterable of Shower
    kind : {'ramp', 'rateints', 'rate'}

    Returns
    -------
    dict
        ``{integration: [showers]}`` in ascending integration order.
    """
    out: dict[int, list[Shower]] = defaultdict(list)
    for shower in showers:
        out[0 if kind == "rate" else shower.integration].append(shower)
    return dict(sorted(out.items()))


def mask_array(dq: Any, showers: Any, kind: str | None = None) -> int:
    """Apply the masking rules in place to a DQ array, or to a data model's DQ.

    Parameters
    ----------
    dq : numpy.ndarray, numpy.memmap or stdatamodels.DataModel
        ``GROUPDQ`` (4-D) or ``DQ`` (3-D rateints, 2-D rate), unsigned integers. A memory
        map of a FITS file's stored integers also works, including uint32 stored with
        ``BZERO = 2**31``: the bits set here lie below the top bit that ``BZERO`` flips.
        A ``RampModel`` has its ``groupdq`` masked, a ``CubeModel`` or ``ImageModel``
        its ``dq`` (the kind is the model's).
    showers : sequence of Shower, or astropy.table.Table
        A table is read as `napari_showermask.core.tables.showers_from_table` does.
    kind : {'ramp', 'rateints', 'rate'}, optional
        Taken from the model, or from ``dq.ndim``, when omitted.

    Returns
    -------
    int
        Number of (integration, pixel) pairs that also got DO_NOT_USE (ramps only).

    Raises
    ------
    ShowerMaskError
        A shower lies outside the data (see `check_showers`), or a table is not a valid
        catalog.
    TypeError
        ``dq`` is not an array or a data model, or ``showers`` not showers or a table.

    Examples
    --------
    >>> import numpy as np
    >>> from napari_showermask import Shower, mask_array
    >>> groupdq = np.zeros((1, 10, 32, 32), np.uint8)
    >>> mask_array(groupdq, [Shower(0, 4, 15.0, 15.0, 3.0, 2.0, 0.0)])
    0
    >>> int(groupdq[0, 4, 15, 15]), int(groupdq[0, 3, 15, 15])
    (4, 0)
    """
    showers = as_showers(showers)
    if is_datamodel(dq):
        kind = kind or model_kind(dq)
        if kind is None or kind not in DQ_EXTENSION:
            raise TypeError(
                f"mask_array takes a RampModel, CubeModel or ImageModel, not {type(dq).__name__}"
            )
        dq = getattr(dq, DQ_EXTENSION[kind].lower())  # type: ignore[index]
    elif not (hasattr(dq, "shape") and hasattr(dq, "__setitem__")):
        raise TypeError(
            f"mask_array takes a DQ array or a stdatamodels model, not {type(dq).__name__}"
        )
    kind = kind or {4: "ramp", 3: "rateints", 2: "rate"}[dq.ndim]
    check_showers(showers, kind, dq.shape)
    ngroups = dq.shape[1] if kind == "ramp" else 1
    dropped = 0
    for integration, group in showers_by_integration(showers, kind).items():
        for box, onset in onset_maps(group, dq.shape[-2:], ngroups, kind == "ramp"):
            rows, cols = box
            if kind == "ramp":
                dropped += _mask_ramp_box(dq, integration, box, onset)
            else:
                key = (rows, cols) if kind == "rate" else (integration, rows, cols)
                plane = np.array(dq[key])
                plane[onset < ngroups] |= RATE_FLAGS
                dq[key] = plane
    return dropped


_CHUNK = 16  # groups handled at once: bounds memory for very large boxes


def _mask_ramp_box(dq: np.ndarray, integration: int, box: Box, onset: np.ndarray) -> int:
    """Mask one box of one integration of ``GROUPDQ``, in chunks of groups.

    ``dq`` is read and written only through ``dq[key]`` and ``dq[key] = block`` with basic
    indices, so any array-like that supports those works.
    """
    rows, cols = box
    ngroups = dq.shape[1]
    masked = onset < ngroups
    first, last_onset = int(onset[masked].min()), int(onset[masked].max())
    usable = np.zeros(onset.shape, dtype=np.int32)
    for g0 in range(0, last_onset, _CHUNK):
        g = np.arange(g0, min(g0 + _CHUNK, last_onset))[:, None, None]
        block = np.asarray(dq[integration, g0 : g0 + len(g), rows, cols])
        clean = (block & (DO_NOT_USE | SATURATED)) == 0
        usable += (clean & (g < onset)).sum(axis=0, dtype=np.int32)
    drop = masked & (usable < 2)
    for g0 in range(first, ngroups, _CHUNK):
        g = np.arange(g0, min(g0 + _CHUNK, ngroups))[:, None, None]
        key = (integration, slice(g0, g0 + len(g)), rows, cols)
        block = np.array(dq[key])
        on = onset <= g
        block |= (np.where(on, JUMP_DET, 0) | np.where(on & drop, DO_NOT_USE, 0)).astype(
            block.dtype
        )
        dq[key] = block
    return int(drop.sum())
