"""napari's viewer parts that moved between versions: the camera and the canvas text."""

from __future__ import annotations

from typing import Any

import napari


def camera(viewer: napari.Viewer) -> Any:
    """Return the viewer's camera (``viewer.scene.camera`` from napari 0.9 on)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None else viewer.camera


def canvas_text(viewer: napari.Viewer) -> Any:
    """Return the canvas' text overlay (``viewer.canvas.overlays.text`` from napari 0.9 on)."""
    overlays = getattr(getattr(viewer, "canvas", None), "overlays", None)
    return overlays.text if overlays is not None else viewer.text_overlay
