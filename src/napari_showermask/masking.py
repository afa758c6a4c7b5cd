"""The masking rules: which DQ bits a shower catalog sets, and where.

- Ramp (``GROUPDQ``, 4-D): for each shower (i, g), ``GROUPDQ[i, g:, pixels] |= JUMP_DET``.
  Where a masked pixel has fewer than two usable groups (neither DO_NOT_USE nor SATURATED)
  before its earliest masked group in integration i, those masked groups also get
  DO_NOT_USE, so ramp fitting drops that integration for the pixel instead of fitting one
  group (NaN) or none (a silent 0.0 slope).
- Rateints (``DQ``, 3-D): ``DQ[i, pixels] |= DO_NOT_USE | JUMP_DET``.
- Rate (``DQ``, 2-D): ``DQ[pixels] |= DO_NOT_USE | JUMP_DET``.

Pixels are those of `geometry.shower_pixels`. Bits are only ever OR-ed in. The work is done
plane by plane through ``read``/``write`` callables, so the same code masks an in-memory
array and a file on disk without holding a cube.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from .catalog import Shower
from .errors import ShowerMaskError
from .geometry import shower_pixels

__all__ = [
    "PlaneReader",
    "PlaneWriter",
    "check_showers",
    "mask_array",
    "mask_planes",
    "showers_by_integration",
]

JUMP_DET = dqflags.group["JUMP_DET"]
DO_NOT_USE = dqflags.group["DO_NOT_USE"]
SATURATED = dqflags.group["SATURATED"]
RATE_FLAGS = dqflags.pixel["DO_NOT_USE"] | dqflags.pixel["JUMP_DET"]

Box = tuple[slice, slice]
#: ``read(index, box)`` returns a writable copy of ``dq[index][box]``.
PlaneReader = Callable[[tuple[int, ...], Box], np.ndarray]
#: ``write(index, box, values)`` stores ``values`` into ``dq[index][box]``.
PlaneWriter = Callable[[tuple[int, ...], Box, np.ndarray], None]


def check_showers(
    showers: Sequence[Shower],
    kind: str,
    shape: tuple[int, ...],
    source: str | os.PathLike = "catalog",
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
        if shower_pixels(shower, shape[-2:]) is None:
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


Found = tuple[Shower, tuple[Box, np.ndarray]]


def _clusters(found: list[Found]) -> list[list[Found]]:
    """Group showers whose boxes overlap, so that each group can be masked in its own box."""
    parent = list(range(len(found)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for m, (_, ((rows_m, cols_m), _)) in enumerate(found):
        for n in range(m):
            (rows_n, cols_n), _ = found[n][1]
            if (
                rows_m.start < rows_n.stop
                and rows_n.start < rows_m.stop
                and cols_m.start < cols_n.stop
                and cols_n.start < cols_m.stop
            ):
                parent[root(m)] = root(n)
    groups: dict[int, list[Found]] = defaultdict(list)
    for n, item in enumerate(found):
        groups[root(n)].append(item)
    return list(groups.values())


def _onset_maps(
    showers: Sequence[Shower], shape: tuple[int, int], no_shower: int, use_group: bool
) -> list[tuple[Box, np.ndarray]]:
    """Return, for each cluster of overlapping showers, its box and each pixel's earliest group.

    Pixels of the box that no shower covers hold ``no_shower``. With ``use_group`` False
    (rate products, which have no groups) every shower counts as starting at 0.
    """
    found = [(s, f) for s in showers if (f := shower_pixels(s, shape)) is not None]
    maps = []
    for cluster in _clusters(found):
        y0 = min(f[0][0].start for _, f in cluster)
        y1 = max(f[0][0].stop for _, f in cluster)
        x0 = min(f[0][1].start for _, f in cluster)
        x1 = max(f[0][1].stop for _, f in cluster)
        onset = np.full((y1 - y0, x1 - x0), no_shower, dtype=np.int32)
        for shower, ((rows, cols), mask) in cluster:
            sub = onset[rows.start - y0 : rows.stop - y0, cols.start - x0 : cols.stop - x0]
            start = shower.group if use_group else 0
            np.minimum(sub, np.where(mask, start, no_shower), out=sub)
        maps.append(((slice(y0, y1), slice(x0, x1)), onset))
    return maps


def mask_planes(
    kind: str,
    shape: tuple[int, ...],
    showers: Sequence[Shower],
    read: PlaneReader,
    write: PlaneWriter,
) -> int:
    """Apply the masking rules plane by plane through ``read`` and ``write``.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the DQ array (that of ``SCI``).
    showers : sequence of Shower
        Already checked with `check_showers`.
    read, write : callable
        Plane access; an index is ``(i, g)`` for ramps, ``(i,)`` for rateints, ``()`` for
        rate, and a box is ``(rows, columns)`` slices.

    Returns
    -------
    int
        Number of (integration, pixel) pairs that also got DO_NOT_USE (ramps only).
    """
    image_shape = shape[-2:]
    ngroups = shape[1] if kind == "ramp" else 1
    dropped = 0
    for integration, group in showers_by_integration(showers, kind).items():
        for box, onset in _onset_maps(group, image_shape, ngroups, use_group=kind == "ramp"):
            if kind == "ramp":
                dropped += _mask_ramp_box(integration, ngroups, box, onset, read, write)
            else:
                index = () if kind == "rate" else (integration,)
                plane = read(index, box)
                plane[onset < ngroups] |= RATE_FLAGS
                write(index, box, plane)
    return dropped


def _mask_ramp_box(
    integration: int,
    ngroups: int,
    box: Box,
    onset: np.ndarray,
    read: PlaneReader,
    write: PlaneWriter,
) -> int:
    """Mask one box of one ramp integration, given each pixel's earliest shower group."""
    masked = onset < ngroups
    first, last_onset = int(onset[masked].min()), int(onset[masked].max())
    usable = np.zeros(onset.shape, dtype=np.int32)
    for g in range(last_onset):
        clean = (read((integration, g), box) & (DO_NOT_USE | SATURATED)) == 0
        usable += clean & (g < onset)
    drop = masked & (usable < 2)
    for g in range(first, ngroups):
        on = onset <= g
        plane = read((integration, g), box)
        plane[on] |= JUMP_DET
        plane[on & drop] |= DO_NOT_USE
        write((integration, g), box, plane)
    return int(drop.sum())


def mask_array(dq: np.ndarray, showers: Sequence[Shower], kind: str | None = None) -> int:
    """Apply the masking rules in place to an in-memory DQ array.

    Parameters
    ----------
    dq : numpy.ndarray
        ``GROUPDQ`` (4-D) or ``DQ`` (3-D rateints, 2-D rate), unsigned integers.
    showers : sequence of Shower
    kind : {'ramp', 'rateints', 'rate'}, optional
        Taken from ``dq.ndim`` when omitted.

    Returns
    -------
    int
        As `mask_planes`.
    """
    kind = kind or {4: "ramp", 3: "rateints", 2: "rate"}[dq.ndim]
    check_showers(showers, kind, dq.shape)

    def read(index: tuple[int, ...], box: Box) -> np.ndarray:
        return dq[index][box].copy()

    def write(index: tuple[int, ...], box: Box, values: np.ndarray) -> None:
        dq[index][box] = values

    return mask_planes(kind, dq.shape, showers, read, write)
