"""Where showers apply: the slices a shower shows on, and the marked showers a new one overlaps.

Slices follow the masking rules (see `napari_showermask.core.masking`): a ramp shower masks
its integration from its first group on, a rateints shower its integration, a rate shower
the whole image.
"""

from __future__ import annotations

from collections.abc import Sequence

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.shower import Shower

__all__ = ["OVERLAP_CHOICES", "overlapping", "shown_on", "with_shower"]


def shown_on(kind: str, showers: Sequence[Shower], integration: int, group: int) -> list[int]:
    """Return the indices of the showers that show on a slice (where they are masked).

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    showers : sequence of Shower
    integration, group : int
        The slice (0-based); ignored where the kind has no such axis.

    Returns
    -------
    list of int
    """
    if kind == "rate":
        return list(range(len(showers)))
    if kind == "rateints":
        return [n for n, s in enumerate(showers) if s.integration == integration]
    return [n for n, s in enumerate(showers) if s.integration == integration and s.group <= group]


def overlapping(
    kind: str, shape: tuple[int, int], shower: Shower, showers: Sequence[Shower]
) -> list[int]:
    """Return the indices of the showers that share a masked pixel with ``shower``.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
        Ramp and rateints showers overlap only in the same integration.
    shape : tuple of int
        ``(ny, nx)`` of the image; pixels outside it do not count.
    shower : Shower
    showers : sequence of Shower
        The marked showers.

    Returns
    -------
    list of int
    """
    mine = shower_pixels(shower, shape)
    if mine is None:
        return []
    (rows, cols), mask = mine
    found = []
    for n, other in enumerate(showers):
        if kind != "rate" and other.integration != shower.integration:
            continue
        theirs = shower_pixels(other, shape)
        if theirs is None:
            continue
        (orows, ocols), omask = theirs
        y0, y1 = max(rows.start, orows.start), min(rows.stop, orows.stop)
        x0, x1 = max(cols.start, ocols.start), min(cols.stop, ocols.stop)
        if y0 >= y1 or x0 >= x1:
            continue
        a = mask[y0 - rows.start : y1 - rows.start, x0 - cols.start : x1 - cols.start]
        b = omask[y0 - orows.start : y1 - orows.start, x0 - ocols.start : x1 - ocols.start]
        if (a & b).any():
            found.append(n)
    return found


#: What to do with the marked showers a new one overlaps (cancelling changes nothing).
OVERLAP_CHOICES = ("keep", "replace")


def with_shower(
    marked: Sequence[Shower], shower: Shower, at: int | None, dropped: Sequence[int], overlap: str
) -> list[Shower]:
    """Return the marked showers with ``shower`` put in.

    Parameters
    ----------
    marked : sequence of Shower
    shower : Shower
    at : int or None
        The index ``shower`` replaces (an edited shower); None: appended.
    dropped : sequence of int
        The showers it overlaps (`overlapping`), removed when ``overlap`` is ``'replace'``.
    overlap : {'keep', 'replace'}

    Returns
    -------
    list of Shower
    """
    if overlap not in OVERLAP_CHOICES:
        raise ValueError(f"overlap must be one of {OVERLAP_CHOICES}, not {overlap!r}")
    gone = set(dropped) - {at} if overlap == "replace" else set()
    showers = list(marked)
    if at is not None and at < len(showers):
        showers[at] = shower
    else:
        showers.append(shower)
    return [s for n, s in enumerate(showers) if n not in gone]
