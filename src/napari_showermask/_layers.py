"""Drawing showers on napari layers: ellipses as corner arrays, contrast of one frame."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from astropy.stats import sigma_clipped_stats

from .geometry import ellipse_to_corners
from .shower import Shower

SAMPLE_PIXELS = 16384  #: pixels of a frame that its contrast is computed from
CURRENT_COLOR = "red"
MARKED_COLOR = "lime"
CANDIDATE_COLOR = "cyan"


def shower_corners(shower: Shower, lead: Sequence[int] = ()) -> np.ndarray:
    """Return napari's corners of a shower's ellipse, drawn on the slice ``lead``.

    Parameters
    ----------
    shower : Shower
        The ellipse (conventions in `napari_showermask.catalog`).
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


def frame_stats(frame: np.ndarray) -> tuple[float, float]:
    """Return the sigma-clipped ``(median, sigma)`` of one frame, for its contrast.

    Parameters
    ----------
    frame : numpy.ndarray
        One 2-D frame; the statistics, sigma-clipped at 3 sigma, use a regular grid of
        about 16000 of its pixels (every pixel of a frame up to 128 x 128).

    Returns
    -------
    tuple of float
        ``(median, sigma)``; NaNs for a frame with no finite pixel, and a sigma of 1
        where the frame is constant.
    """
    frame = np.asarray(frame)
    step = max(1, math.ceil(math.sqrt(frame.size / SAMPLE_PIXELS)))
    sample = frame[::step, ::step]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return math.nan, math.nan
    _, median, sigma = sigma_clipped_stats(sample, sigma=3.0, maxiters=5)
    sigma = sigma if np.isfinite(sigma) and sigma > 0 else 1.0
    return float(median), float(sigma)


def frame_contrast(frame: np.ndarray, scale: float) -> tuple[float, float]:
    """Return contrast limits ``median -/+ scale * sigma`` of one frame.

    Parameters
    ----------
    frame : numpy.ndarray
        One 2-D frame (see `frame_stats`).
    scale : float
        Number of sigmas either side of the median.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` for a frame with no finite pixel.
    """
    return stats_contrast(frame_stats(frame), scale)


def stats_contrast(stats: tuple[float, float], scale: float) -> tuple[float, float]:
    """Return contrast limits ``median -/+ scale * sigma`` from a frame's `frame_stats`.

    Parameters
    ----------
    stats : tuple of float
        ``(median, sigma)``, e.g. computed ahead with the frame.
    scale : float
        Number of sigmas either side of the median.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` for a frame with no finite pixel.
    """
    median, sigma = stats
    if not math.isfinite(median):
        return 0.0, 1.0
    return median - scale * sigma, median + scale * sigma


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
            corners, shape_type="ellipse", edge_color=color, face_color="transparent",
            edge_width=1.5,
        )  # fmt: skip


def _same(shown: list[np.ndarray], corners: list[np.ndarray]) -> bool:
    """Tell whether a layer's shapes are these corners (allowing for float32 rounding)."""
    return len(shown) == len(corners) and all(
        a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-3)
        for a, b in zip(shown, corners, strict=True)
    )
