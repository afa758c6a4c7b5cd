"""The rate preview's layer, named for what it shows, with a caption on the canvas."""

from __future__ import annotations

from typing import Any

import napari
import numpy as np

from napari_showermask.core.products import stem
from napari_showermask.viewer._qt.binding import ProductBinding
from napari_showermask.viewer._qt.compat import canvas_text
from napari_showermask.viewer.layerdata import KIND, PATH, ROLE

PREVIEW_ROLE = "preview"
CAPTION = {"before": "before masking", "after": "after masking"}


def preview_name(path: Any, mode: str) -> str:
    """Return the preview layer's name, e.g. ``'x_jump rate preview (after masking)'``."""
    return f"{stem(path)} rate preview ({CAPTION[mode]})"


class PreviewLayer:
    """Show a preview image above a product's difference layer and say which one it is.

    The layer's name and a text on the canvas name the image shown (before or after
    masking, which integration); the caption goes with the layer.

    Parameters
    ----------
    viewer : napari.Viewer

    Attributes
    ----------
    layer : napari.layers.Image or None
    """

    def __init__(self, viewer: napari.Viewer) -> None:
        self.viewer = viewer
        self.layer: napari.layers.Image | None = None
        self._captioned = False

    def show(
        self,
        binding: ProductBinding,
        data: np.ndarray,
        limits: tuple[float, float],
        integration: int,
        mode: str,
    ) -> None:
        """Show ``data``, the rate of ``integration`` before or after (``mode``) masking.

        A new layer takes ``limits``; an existing one keeps its contrast while the
        integration is the same (before and after are compared with one contrast).
        """
        layer = self.layer
        if layer is None or layer not in self.viewer.layers:
            layer = self._add(binding, data, limits)
        else:
            same = layer.metadata.get("showermask_integration") == integration
            kept = tuple(layer.contrast_limits) if same else limits
            layer.data = data
            layer.contrast_limits = kept
        layer.metadata["showermask_integration"] = integration
        layer.metadata["showermask_preview"] = mode
        layer.name = preview_name(binding.product.path, mode)
        text = canvas_text(self.viewer)
        text.text = f"Rate preview, integration {integration}: {CAPTION[mode].upper()}"
        text.visible = self._captioned = True

    def _add(
        self, binding: ProductBinding, data: np.ndarray, limits: tuple[float, float]
    ) -> napari.layers.Image:
        product = binding.product
        metadata = {PATH: binding.path, KIND: product.kind, ROLE: PREVIEW_ROLE}
        layer = napari.layers.Image(
            data,
            name=preview_name(product.path, "after"),
            colormap="gray",
            contrast_limits=limits,
            metadata=metadata,
            axis_labels=("y", "x"),
        )
        active = self.viewer.layers.selection.active
        self.viewer.layers.insert(self.viewer.layers.index(binding.image) + 1, layer)
        self.layer = layer
        if active in self.viewer.layers:
            self.viewer.layers.selection.active = active  # adding a layer selects it
        return layer

    def forget(self) -> None:
        """Drop the layer the user deleted, and its caption."""
        self.layer = None
        self._uncaption()

    def remove(self) -> None:
        """Remove the layer (if still in the viewer) and its caption."""
        layer, self.layer = self.layer, None
        if layer is not None and layer in self.viewer.layers:
            self.viewer.layers.remove(layer)
        self._uncaption()

    def _uncaption(self) -> None:
        if self._captioned:
            text = canvas_text(self.viewer)
            text.visible, text.text = False, ""
            self._captioned = False
