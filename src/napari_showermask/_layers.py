"""Drawing showers on napari layers: ellipses as N-D corner arrays on a slice."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.stats import sigma_clipped_stats

from .catalog import Shower
from .geometry import ellipse_to_corners

CURRENT_COLOR = "red"
MARKED_COLOR = "lime"


def shower_corners(shower: Shower, lead: Sequence[int]) -> np.ndarray:
    """Return napari corners ``(4, len(lead) + 2)`` of a shower drawn on slice ``lead``."""
    corners = ellipse_to_corners(
        shower.x, shower.y, shower.semi_major, shower.semi_minor, shower.theta
    )
    return np.column_stack([np.tile(np.asarray(lead, float), (4, 1)), corners])


def frame_contrast(frame: np.ndarray, scale: float) -> tuple[float, float]:
    """Median -/+ ``scale`` sigma-clipped sigma of a frame (sampled 1 pixel in 16)."""
    sample = np.asarray(frame)[::4, ::4]
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return 0.0, 1.0
    _, median, sigma = sigma_clipped_stats(sample, sigma=3.0, maxiters=5)
    sigma = sigma if np.isfinite(sigma) and sigma > 0 else 1.0
    return float(median - scale * sigma), float(median + scale * sigma)


def set_ellipses(layer, corners: list[np.ndarray], color: str) -> None:
    """Replace a shapes layer's shapes by ellipses of one colour."""
    if not corners and len(layer.data) == 0:
        return  # nothing shown before or now: the common case while paging
    layer.selected_data = set()
    layer.data = []
    if corners:
        layer.add(
            corners, shape_type="ellipse", edge_color=color, face_color="transparent",
            edge_width=1.5,
        )  # fmt: skip
