"""napari writer: a shapes layer of ellipses saved as a shower catalog (ECSV or DS9 .reg)."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_showermask.core.geometry import corners_to_ellipse
from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import write_catalog


def layer_showers(data: list[np.ndarray], shape_types: list[str] | None = None) -> list[Shower]:
    """Turn napari ellipse shapes into showers.

    Parameters
    ----------
    data : list of numpy.ndarray
        Each shape's corners ``(4, D)``: leading integration (and group) columns, then y, x.
    shape_types : list of str, optional
        napari's shape types; shapes that are not ellipses are skipped.

    Returns
    -------
    list of Shower
    """
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
    """Write a shapes layer as a shower catalog (ECSV, or DS9 regions for ``.reg``).

    Parameters
    ----------
    path : str
        The file napari's save dialog chose (replaced if it exists).
    data : list of numpy.ndarray
        The layer's shapes.
    meta : dict
        The layer's attributes. A layer the Shower Masking widget manages carries its whole
        catalog in ``metadata['showermask_catalog']`` (it draws only the showers of the
        slice on screen); other layers give their ellipses.

    Returns
    -------
    list of str
        The path written.
    """
    showers = meta.get("metadata", {}).get("showermask_catalog")
    if showers is None:
        showers = layer_showers(data, meta.get("shape_type"))
    return [str(write_catalog(showers, path, overwrite=True))]
