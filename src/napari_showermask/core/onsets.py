"""Each pixel's first masked group: the onset map that masking, the dq stream and fits share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.shower import Shower

__all__ = ["Box", "onset_in_box", "onset_maps"]

Box = tuple[slice, slice]
Found = tuple[Shower, tuple[Box, np.ndarray]]


def onset_in_box(
    showers: Iterable[Shower], shape: tuple[int, int], no_shower: int, use_group: bool = True
) -> np.ndarray:
    """Return each pixel's first masked group over an image (or a box's local frame).

    Parameters
    ----------
    showers : iterable of Shower
        In the coordinates of the image of ``shape`` (for a box, showers moved to the box).
    shape : tuple of int
        ``(ny, nx)`` of the image or box.
    no_shower : int
        The value of pixels that no shower covers.
    use_group : bool
        False for rate products, which have no groups: every shower starts at 0.

    Returns
    -------
    numpy.ndarray
        int64 array of ``shape``.
    """
    onset = np.full(shape, no_shower, np.int64)
    for shower in showers:
        found = shower_pixels(shower, shape)
        if found is None:
            continue
        (rows, cols), inside = found
        start = shower.group if use_group else 0
        sub = onset[rows, cols]
        np.minimum(sub, np.where(inside, start, no_shower), out=sub)
    return onset


def onset_maps(
    showers: Sequence[Shower], shape: tuple[int, int], no_shower: int, use_group: bool
) -> list[tuple[Box, np.ndarray]]:
    """Return, for each cluster of overlapping showers, its box and each pixel's onset there.

    Parameters
    ----------
    showers : sequence of Shower
        The showers of one integration.
    shape : tuple of int
        ``(ny, nx)`` of the image.
    no_shower : int
        The value of box pixels that no shower covers.
    use_group : bool
        False for rate products: every shower counts as starting at 0.

    Returns
    -------
    list of (Box, numpy.ndarray)
        One int32 onset array per cluster, with the cluster's box in the image.
    """
    found = [(s, f) for s in showers if (f := shower_pixels(s, shape)) is not None]
    maps = []
    for cluster in clusters(found):
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


def clusters(found: list[Found]) -> list[list[Found]]:
    """Group showers whose boxes overlap, so that each group can be masked in its own box.

    Parameters
    ----------
    found : list of (Shower, (Box, mask))
        Each shower with its pixels from `napari_showermask.core.geometry.shower_pixels`.

    Returns
    -------
    list of list
        The clusters, each in the order of ``found``.
    """
    parent = list(range(len(found)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    # boxes overlap when they share a pixel: each box is painted, in turn, over an image
    # of the last box painted on each pixel, and joined to every box it paints over; so
    # the work is the boxes' area, not the number of pairs (100k showers: seconds)
    height = max((f[0][0].stop for _, f in found), default=0)
    width = max((f[0][1].stop for _, f in found), default=0)
    owner = np.full((height, width), -1, dtype=np.int64)
    for m, (_, ((rows, cols), _)) in enumerate(found):
        region = owner[rows, cols]
        for n in np.unique(region[region >= 0]).tolist():
            parent[root(int(n))] = root(m)
        region[...] = m
    groups: dict[int, list[Found]] = defaultdict(list)
    for n, item in enumerate(found):
        groups[root(n)].append(item)
    return list(groups.values())
