"""The layers a product opens as: names, axis labels, metadata keys and layer data tuples."""

from __future__ import annotations

import numpy as np

from napari_showermask.core.framestats import frame_contrast
from napari_showermask.core.planes import ProductPlanes
from napari_showermask.core.products import Product, stem
from napari_showermask.viewer import glprograms as _glprograms
from napari_showermask.viewer.dqdisplay import CATEGORY_COLORS, DQCategories, category_names

#: Layer metadata keys: the product's path, its kind, and the layer's role in it.
PATH, KIND, ROLE = "showermask_path", "showermask_kind", "showermask_role"

AXIS_LABELS = {
    "ramp": ("integration", "group", "y", "x"),
    "rateints": ("integration", "y", "x"),
    "rate": ("y", "x"),
}


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
        frame), ``<stem> DQ`` (labels: flag categories of `napari_showermask.viewer.dqdisplay`)
        and ``<stem> showers`` (empty shapes layer of the product's dimensionality).
    """
    _glprograms.install()  # removing some of these layers later must not crash napari
    name = stem(product.path)
    labels = AXIS_LABELS[product.kind]
    # contrast from one plane only: the first difference of a ramp, else the first plane
    first = {"ramp": (0, min(1, product.ngroups - 1)), "rateints": (0,), "rate": ()}
    meta = {PATH: str(product.path), KIND: product.kind}
    image = {
        "name": f"{name} difference",
        "contrast_limits": frame_contrast(product.difference(first[product.kind]), 3.0),
        "colormap": "gray",
        "multiscale": False,
        "axis_labels": labels,
        "metadata": {**meta, ROLE: "difference"},
    }
    codes = np.arange(16)
    dq = {
        "name": f"{name} DQ",
        "opacity": 0.4,
        "colormap": CATEGORY_COLORS,
        "features": {"index": codes, "flags": [category_names(int(c)) for c in codes]},
        "axis_labels": labels,
        "multiscale": False,
        "metadata": {**meta, ROLE: "dq"},
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
            PATH: str(product.path),
            KIND: product.kind,
            ROLE: "showers",
        },
    }
