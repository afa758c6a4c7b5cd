"""napari reader: a JWST ramp, rate or rateints product as difference, DQ and shower layers."""

from __future__ import annotations

import numpy as np

from ._layers import frame_contrast
from .dqdisplay import CATEGORY_COLORS, DQCategories, category_names
from .products import Product, open_product, product_kind, stem

AXIS_LABELS = {
    "ramp": ("integration", "group", "y", "x"),
    "rateints": ("integration", "y", "x"),
    "rate": ("y", "x"),
}


def get_reader(path: str | list[str]):
    """Return `read_product` for a JWST product, None for anything else (never raises)."""
    if isinstance(path, list):
        path = path[0] if len(path) == 1 else ""
    if not str(path).lower().endswith((".fits", ".fit", ".fits.gz")):
        return None
    return read_product if product_kind(path) is not None else None


def product_layers(product: Product) -> list[tuple]:
    """Return napari LayerData tuples for an open product (all lazy)."""
    name = stem(product.path)
    labels = AXIS_LABELS[product.kind]
    # contrast from one plane only: the first difference of a ramp, else the first plane
    first = {"ramp": (0, min(1, product.ngroups - 1)), "rateints": (0,), "rate": ()}
    meta = {"showermask_path": str(product.path), "showermask_kind": product.kind}
    image = {
        "name": f"{name} difference",
        "contrast_limits": frame_contrast(product.difference(first[product.kind]), 3.0),
        "colormap": "gray",
        "multiscale": False,
        "axis_labels": labels,
        "metadata": meta,
    }
    codes = np.arange(16)
    dq = {
        "name": f"{name} DQ",
        "opacity": 0.4,
        "colormap": CATEGORY_COLORS,
        "features": {"index": codes, "flags": [category_names(c) for c in codes]},
        "axis_labels": labels,
        "multiscale": False,
        "metadata": meta,
    }
    showers = {
        "name": f"{name} showers",
        "ndim": product.differences.ndim,
        "shape_type": "ellipse",
        "edge_color": "lime",
        "face_color": "transparent",
        "edge_width": 1.5,
        "axis_labels": labels,
        "metadata": meta,
    }
    return [
        (product.differences, image, "image"),
        (DQCategories(product.dq), dq, "labels"),
        (None, showers, "shapes"),
    ]


def read_product(path: str | list[str]) -> list[tuple]:
    """Open a product and return its layers; bad files raise ShowerMaskError."""
    if isinstance(path, list):
        path = path[0]
    return product_layers(open_product(path))
