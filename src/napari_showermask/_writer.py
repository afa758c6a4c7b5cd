"""napari writer: a shapes layer of ellipses saved as a shower catalog (ECSV or DS9 .reg)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .catalog import Shower, write_catalog
from .geometry import corners_to_ellipse


def layer_showers(data: list[np.ndarray], shape_types: list[str] | None = None) -> list[Shower]:
    """Turn napari ellipse shapes (corners with leading integration/group) into showers."""
    showers = []
    for n, corners in enumerate(data):
        if shape_types is not None and shape_types[n] != "ellipse":
            continue
        corners = np.asarray(corners, dtype=float)
        lead = [int(round(v)) for v in corners[0, :-2]]
        integration = lead[0] if len(lead) >= 1 else 0
        group = lead[1] if len(lead) >= 2 else 0
        x, y, a, b, theta = corners_to_ellipse(corners)
        showers.append(Shower(integration, group, x, y, a, b, theta))
    return showers


def write_showers(path: str, data: Any, meta: dict) -> list[str]:
    """Write a shapes layer as a shower catalog; return the path written.

    A layer the Shower Masking widget manages carries its whole catalog in its metadata
    (it draws only the showers of the current slice); other layers give their ellipses.
    """
    showers = meta.get("metadata", {}).get("showermask_catalog")
    if showers is None:
        showers = layer_showers(data, meta.get("shape_type"))
    return [str(write_catalog(showers, path, overwrite=True))]
