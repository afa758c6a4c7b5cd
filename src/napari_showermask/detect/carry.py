"""Follow each candidate's glow through the reset into the next integration.

A glow's slow tail lasts minutes, longer than many integrations: a shower found in
integration ``i`` may still glow at group 0 of integration ``i + 1``, with no jump. Each
candidate is tested there over its own ellipse (a known place: no search, so a modest
significance is enough), reading only the ellipse's box:

- level: the mean difference of integration ``i + 1`` over the ellipse against that of
  integration ``i`` before the shower began (the same pixels with no glow), where at
  least `BEFORE` usable differences precede the shower's first group;
- fading: the mean difference of the first half of integration ``i + 1`` against that of
  its second half (a glow only fades; a source stays).

Each is summed over the ellipse's pixels with its noise from the differences' own
scatter. Where either passes ``carry_sigma``, the glow is a candidate in integration
``i + 1`` from its first group (``g0 - 1``: the pixels are dropped from that
integration), with the same ellipse, and that one is followed in turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED
from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect.params import DetectionParams

__all__ = ["BEFORE", "carried_over"]

BEFORE = 4  # fewest usable differences before a shower for the level test
_LEFT_OUT = DO_NOT_USE | SATURATED | JUMP_DET


def _differences(
    product: Product,
    integration: int,
    groups: Sequence[int],
    box: tuple[slice, slice],
    inside: np.ndarray,
    bad: np.ndarray,
) -> np.ndarray:
    """Return the box's difference frames over the ellipse, NaN where not usable.

    Shape ``(len(groups), pixels)``: one column per pixel of the ellipse.
    """
    first, last = groups[0] - 1, groups[-1] + 1
    key = (integration, slice(first, last), *box)
    sci = product.read("SCI", key).astype(np.float64)
    dq = product.read("GROUPDQ", key)
    index = np.asarray(groups) - first
    frames = sci[index] - sci[index - 1]
    known = (dq[index] & _LEFT_OUT) == 0
    known &= (dq[index - 1] & (DO_NOT_USE | SATURATED)) == 0
    known &= ~bad[box]
    # offsets common to the box in each frame (row noise, frame offsets) go
    frames -= np.nanmedian(np.where(known, frames, np.nan), axis=(1, 2), keepdims=True)
    return np.where(known, frames, np.nan)[:, inside]


def _excess(higher: np.ndarray, lower: np.ndarray) -> float:
    """Significance of the mean difference of ``higher`` over ``lower``, summed over pixels."""
    with np.errstate(all="ignore"):
        n1, n2 = np.sum(np.isfinite(higher), axis=0), np.sum(np.isfinite(lower), axis=0)
        ok = (n1 >= 2) & (n2 >= 2)
        if not ok.any():
            return 0.0
        m1, m2 = np.nanmean(higher[:, ok], axis=0), np.nanmean(lower[:, ok], axis=0)
        v1 = np.nanvar(higher[:, ok], axis=0, ddof=1) / n1[ok]
        v2 = np.nanvar(lower[:, ok], axis=0, ddof=1) / n2[ok]
    return float(np.sum(m1 - m2) / math.sqrt(max(float(np.sum(v1 + v2)), 1e-12)))


def _glows_on(
    product: Product,
    shower: Shower,
    groups: Sequence[int],
    bad: np.ndarray,
    params: DetectionParams,
) -> bool:
    """Whether a candidate's glow is still there in the next integration (module docstring)."""
    found = shower_pixels(shower, product.image_shape)
    if found is None:
        return False
    box, inside = found
    later = _differences(product, shower.integration + 1, groups, box, inside, bad)
    half = len(groups) // 2
    significance = _excess(later[:half], later[half:]) if half >= 2 else 0.0
    before = [g for g in groups if g < shower.group]
    if len(before) >= BEFORE:
        clean = _differences(product, shower.integration, before, box, inside, bad)
        significance = max(significance, _excess(later, clean))
    return significance > params.carry_sigma


def carried_over(
    product: Product,
    groups: Sequence[int],
    bad: np.ndarray,
    showers: list[Shower],
    params: DetectionParams,
) -> list[Shower]:
    """Return the candidates' glows that last into the next integrations.

    Parameters
    ----------
    product : Product
    groups : sequence of int
        The usable groups.
    bad : numpy.ndarray of bool
        Pixels always left out.
    showers : list of Shower
        All the candidates.
    params : DetectionParams

    Returns
    -------
    list of Shower
        New candidates (none where a candidate of that integration already starts at its
        first group over the same centre), group ``groups[0] - 1``.
    """
    if params.carry_sigma <= 0:
        return []
    first = max(groups[0] - 1, 0)
    taken = {(s.integration, round(s.x), round(s.y)) for s in showers if s.group <= first}
    out: list[Shower] = []
    todo = list(showers)
    while todo:
        shower = todo.pop(0)
        nxt = shower.integration + 1
        if nxt >= product.nints or (nxt, round(shower.x), round(shower.y)) in taken:
            continue
        if _glows_on(product, shower, groups, bad, params):
            copy = shower.moved(integration=nxt, group=first)
            taken.add((nxt, round(shower.x), round(shower.y)))
            out.append(copy)
            todo.append(copy)
    return out
