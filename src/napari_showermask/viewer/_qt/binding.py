"""The link between a masking session and one product's napari layers (found by metadata)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import napari

from napari_showermask.core.framestats import stats_contrast
from napari_showermask.core.planes import ProductPlanes
from napari_showermask.core.products import Product
from napari_showermask.viewer.layerdata import PATH, ROLE, showers_layer_kwargs
from napari_showermask.viewer.layers import (
    CANDIDATE_COLOR,
    CURRENT_COLOR,
    MARKED_COLOR,
    set_ellipses,
    shower_corners,
)
from napari_showermask.viewer.session import MaskingSession


def role_of(layer: Any) -> str | None:
    """Return the role of a layer the reader made ('difference', 'dq', 'showers'), or None."""
    metadata = getattr(layer, "metadata", None) or {}
    return metadata.get(ROLE) if PATH in metadata else None


def product_of(layer: Any) -> Product | None:
    """Return the open product whose planes a layer shows, or None."""
    data = getattr(layer.data, "dq", layer.data)  # a DQ layer wraps the product's planes
    return (
        getattr(data, "product", None)
        if isinstance(getattr(data, "product", None), Product)
        else None
    )


class ProductBinding:
    """Find a product's layers in a viewer, own the widget's overlays, draw a session.

    Parameters
    ----------
    viewer : napari.Viewer
    image : napari.layers.Image
        The product's ``difference`` layer (metadata role ``'difference'``).
    on_current_edited : callable
        Called with the current-ellipse layer when napari's shape tools change it.

    Attributes
    ----------
    product : Product
    image, dq, showers : napari layers or None
        The product's layers (``dq``/``showers`` None when the user deleted them).
    current_layer, candidate_layer : napari.layers.Shapes or None
        2-D overlays owned here: the current ellipse, the detector's candidates. Only the
        slice on screen is drawn on them, so paging never re-slices a shapes layer.
    """

    def __init__(
        self,
        viewer: napari.Viewer,
        image: napari.layers.Image,
        on_current_edited: Callable[[napari.layers.Shapes, Any], None],
    ) -> None:
        self.viewer, self.image = viewer, image
        self.product: Product = image.data.product
        self.path = str(image.metadata[PATH])
        self.dq: Any = None
        self.showers: Any = None
        self.current_layer: napari.layers.Shapes | None = None
        self.candidate_layer: napari.layers.Shapes | None = None
        self._on_current_edited = on_current_edited
        self.drawing = False  # True while this object changes the current layer
        self._busy = self._again = False
        self.find_layers()

    # layers -----------------------------------------------------------------------------
    def alive(self) -> bool:
        """Tell whether the product's image is still in the viewer."""
        return self.image in self.viewer.layers

    def mine(self, layer: Any) -> bool:
        """Tell whether a layer belongs to this product (its own or an overlay)."""
        overlays = (self.current_layer, self.candidate_layer)
        return any(layer is o for o in overlays) or (
            role_of(layer) is not None and layer.metadata[PATH] == self.path
        )

    def find_layers(self) -> None:
        """Find the product's DQ and showers layers by their metadata."""
        self.dq = self.showers = None
        for layer in self.viewer.layers:
            if role_of(layer) and layer.metadata[PATH] == self.path:
                if role_of(layer) == "dq":
                    self.dq = layer
                    layer.editable = False  # read from the file: no painting
                elif role_of(layer) == "showers":
                    self.showers = layer
                    layer.editable = False  # drawn from the session
        for name in ("current_layer", "candidate_layer"):
            if getattr(self, name) not in self.viewer.layers:
                setattr(self, name, None)

    def ensure_layers(self) -> None:
        """Add the layers that are missing: overlays, and the showers layer if deleted."""
        if not self.alive():
            return
        self.find_layers()
        active = self.viewer.layers.selection.active
        if self.showers is None:
            kwargs = showers_layer_kwargs(self.product)
            self.showers = self.viewer.add_shapes(**kwargs)
            self.showers.editable = False
        if self.current_layer is None:
            self.current_layer = self._overlay("current shower", CURRENT_COLOR)
            layer = self.current_layer
            layer.events.data.connect(lambda event: self._edited(layer, event))
        if self.candidate_layer is None:
            self.candidate_layer = self._overlay("shower candidates", CANDIDATE_COLOR)
            self.candidate_layer.editable = False
        if active in self.viewer.layers:
            self.viewer.layers.selection.active = active  # adding a layer selects it

    def _overlay(self, name: str, color: str) -> napari.layers.Shapes:
        return self.viewer.add_shapes(
            ndim=2,
            name=name,
            edge_color=color,
            face_color="transparent",
            edge_width=1.5,
            shape_type="ellipse",
            axis_labels=("y", "x"),
        )

    def _edited(self, layer: napari.layers.Shapes, event: Any) -> None:
        if not self.drawing and layer is self.current_layer:
            self._on_current_edited(layer, event)

    def detach(self) -> None:
        """Remove the overlays and clear the drawn showers; the product's layers stay."""
        for layer in (self.current_layer, self.candidate_layer):
            if layer is not None and layer in self.viewer.layers:
                self.viewer.layers.remove(layer)
        if self.showers is not None and self.showers in self.viewer.layers:
            set_ellipses(self.showers, [], MARKED_COLOR)
        self.current_layer = self.candidate_layer = None

    def product_layers(self) -> list[Any]:
        """Return the product's layers and the overlays still in the viewer."""
        return [layer for layer in self.viewer.layers if self.mine(layer)]

    # drawing ----------------------------------------------------------------------------
    def point(self) -> tuple[float, ...]:
        """Return the viewer's point in the product's data coordinates."""
        return tuple(self.image.world_to_data(self.viewer.dims.point))

    def slice_now(self, session: MaskingSession) -> tuple[int, int] | None:
        """Return the product's ``(integration, group)`` on screen, None if it has none."""
        return session.slice_of(self.point())

    def lead(self, session: MaskingSession, integration: int, group: int) -> list[int]:
        """Leading (non-image) coordinates of a slice for this kind."""
        return {"ramp": [integration, group], "rateints": [integration], "rate": []}[session.kind]

    def draw(self, session: MaskingSession) -> None:
        """Draw the session's showers, candidates and current ellipse for the slice on screen.

        Not re-entrant: changing a layer's data can change the viewer's extent and so its
        dims, whose event asks for a drawing again; that one is done after this one.
        """
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self._draw(session)
        finally:
            self._busy = False

    def _draw(self, session: MaskingSession) -> None:
        if not self.alive():
            return
        at = self.slice_now(session)
        marked, candidates, current = [], [], []
        if at is not None:
            lead = self.lead(session, *at)
            shown = [n for n in session.visible(*at) if n != session.editing]
            marked = [shower_corners(session.marked[n], lead) for n in shown]
            found = session.candidates
            candidates = [shower_corners(found[n]) for n in session.visible(*at, found)]
            if session.shows_current(*at) and session.current is not None:
                current = [shower_corners(session.current)]
        if self.showers is not None and self.showers in self.viewer.layers:
            set_ellipses(self.showers, marked, MARKED_COLOR)
            self.showers.metadata["showermask_catalog"] = list(session.marked)
        if self.candidate_layer in self.viewer.layers:
            set_ellipses(self.candidate_layer, candidates, CANDIDATE_COLOR)
        if self.current_layer in self.viewer.layers:
            was, self.drawing = self.drawing, True
            try:
                set_ellipses(self.current_layer, current, CURRENT_COLOR)
            finally:
                self.drawing = was

    def contrast(self, session: MaskingSession, scale: float) -> None:
        """Contrast of the frame on screen: median +/- scale x sigma."""
        at = self.slice_now(session) if self.alive() else None
        if at is None:
            return
        planes: ProductPlanes = self.image.data  # the reader's difference frames
        index = tuple(self.lead(session, *at))
        low, high = stats_contrast(planes.frame_stats(index), scale)  # computed ahead
        old_low, old_high = self.image.contrast_limits
        tolerance = 0.02 * (high - low)  # the same to the eye: spare napari a refresh
        if abs(low - old_low) > tolerance or abs(high - old_high) > tolerance:
            self.image.contrast_limits = (low, high)

    def set_opacity(self, value: float) -> None:
        """Opacity of the DQ overlay."""
        if self.dq is not None and self.dq in self.viewer.layers:
            self.dq.opacity = value
