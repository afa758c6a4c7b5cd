"""Drawing showers on napari layers: ellipses as corner arrays, their colours."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from napari_showermask.core.geometry import ellipse_to_corners
from napari_showermask.core.shower import Shower

CURRENT_COLOR = "red"
MARKED_COLOR = "lime"
CANDIDATE_COLOR = "cyan"


def shower_corners(shower: Shower, lead: Sequence[int] = ()) -> np.ndarray:
    """Return napari's corners of a shower's ellipse, drawn on the slice ``lead``.

    Parameters
    ----------
    shower : Shower
        The ellipse (conventions in `napari_showermask.io.catalog`).
    lead : sequence of int
        Leading coordinates (integration, group...) of the slice; empty for a 2-D layer.

    Returns
    -------
    numpy.ndarray
        ``(4, len(lead) + 2)`` corners, ``(..., y, x)``.
    """
    corners = ellipse_to_corners(
        shower.x, shower.y, shower.semi_major, shower.semi_minor, shower.theta
    )
    return np.column_stack([np.tile(np.asarray(lead, float), (4, 1)), corners])


def set_ellipses(layer, corners: list[np.ndarray], color: str) -> None:
    """Make a shapes layer show exactly these ellipses, in one colour.

    Parameters
    ----------
    layer : napari.layers.Shapes or None
        None (a layer the user deleted) draws nothing.
    corners : list of numpy.ndarray
        Corners of each ellipse (see `shower_corners`).
    color : str
        Edge colour; faces are transparent.

    Notes
    -----
    A layer that already shows these ellipses is left alone: replacing a shapes layer's
    data rebuilds its GL programs, which is most of the cost of a redraw.
    """
    if layer is None or _same(layer.data, corners):
        return  # e.g. nothing shown before or now: the common case while paging
    layer.selected_data = set()
    layer.data = []
    if corners:
        layer.add(
            corners,
            shape_type="ellipse",
            edge_color=color,
            face_color="transparent",
            edge_width=1.5,
        )


def _same(shown: list[np.ndarray], corners: list[np.ndarray]) -> bool:
    """Tell whether a layer's shapes are these corners (allowing for float32 rounding)."""
    return len(shown) == len(corners) and all(
        a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-3)
        for a, b in zip(shown, corners, strict=True)
    )
