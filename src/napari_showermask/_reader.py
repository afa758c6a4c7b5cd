"""napari reader: a JWST ramp, rate or rateints product as difference, DQ and shower layers."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import numpy as np

from . import _glprograms
from ._layers import frame_contrast
from .dqdisplay import CATEGORY_COLORS, DQCategories, category_names
from .planes import ProductPlanes
from .products import Product, open_product, product_kind, stem

AXIS_LABELS = {
    "ramp": ("integration", "group", "y", "x"),
    "rateints": ("integration", "y", "x"),
    "rate": ("y", "x"),
}


def get_reader(path: str | list[str]) -> Callable[[str | list[str]], list[tuple]] | None:
    """Return `read_product` for a JWST ramp, rate or rateints product, else None.

    Parameters
    ----------
    path : str or list of str
        What napari asks about; a list is accepted only when it holds one path.

    Returns
    -------
    callable or None
        `read_product`, or None for anything else (other FITS files included). Never
        raises: only the headers are looked at, with `napari_showermask.products.product_kind`.
    """
    if isinstance(path, list):
        path = path[0] if len(path) == 1 else ""
    if not str(path).lower().endswith((".fits", ".fit", ".fits.gz")):
        return None
    return read_product if product_kind(path) is not None else None


def product_layers(product: Product) -> list[tuple]:
    """Return napari layer data tuples for an open product, all read lazily.

    Parameters
    ----------
    product : Product
        An open product; its file stays open for the layers (closed with them by the
        Shower Masking widget).

    Returns
    -------
    list of tuple
        ``(data, kwargs, layer_type)`` for ``<stem> difference`` (image, contrast from one
        frame), ``<stem> DQ`` (labels: flag categories of `napari_showermask.dqdisplay`)
        and ``<stem> showers`` (empty shapes layer of the product's dimensionality).
    """
    _glprograms.install()  # removing some of these layers later must not crash napari
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
        "metadata": {**meta, "showermask_role": "difference"},
    }
    codes = np.arange(16)
    dq = {
        "name": f"{name} DQ",
        "opacity": 0.4,
        "colormap": CATEGORY_COLORS,
        "features": {"index": codes, "flags": [category_names(int(c)) for c in codes]},
        "axis_labels": labels,
        "multiscale": False,
        "metadata": {**meta, "showermask_role": "dq"},
    }
    return [
        (ProductPlanes(product, "difference", prefetch=True), image, "image"),
        (DQCategories(product.dq, prefetch=True), dq, "labels"),
        (
            [],
            showers_layer_kwargs(product),
            "shapes",
        ),  # not None: napari drops None data from sample data
    ]


def showers_layer_kwargs(product: Product) -> dict:
    """Return the keyword arguments of a product's (empty) ``<stem> showers`` shapes layer.

    Parameters
    ----------
    product : Product

    Returns
    -------
    dict
        For `napari.Viewer.add_shapes` or a layer data tuple.
    """
    return {
        "name": f"{stem(product.path)} showers",
        "ndim": len(product.shape),
        "shape_type": "ellipse",
        "edge_color": "lime",
        "face_color": "transparent",
        "edge_width": 1.5,
        "axis_labels": AXIS_LABELS[product.kind],
        "metadata": {
            "showermask_path": str(product.path),
            "showermask_kind": product.kind,
            "showermask_role": "showers",
        },
    }


def read_product(path: str | list[str]) -> list[tuple]:
    """Open a product and return its layers (see `product_layers`).

    Parameters
    ----------
    path : str or list of str
        One product (the first path of a list).

    Returns
    -------
    list of tuple

    Raises
    ------
    ShowerMaskError
        A missing, damaged or non-product file: napari reports it and adds no layer.
    """
    if isinstance(path, list):
        path = path[0]
    layers = product_layers(open_product(path))
    _hold_ahead_in_viewer()
    return layers


def _hold_ahead_in_viewer() -> None:
    """In napari, frames computed ahead start once its canvas drew (`_qt.drawn`)."""
    if "napari" not in sys.modules:  # never imported here: a script may read without it
        return
    if threading.current_thread() is threading.main_thread():
        from ._qt.drawn import hold_ahead_until_drawn

        hold_ahead_until_drawn()
