"""The current (red) ellipse in the Shower Masking widget: place, reshape, follow napari."""

from __future__ import annotations

import napari
from qtpy.QtCore import QTimer


class CurrentEllipseActions:
    """Mixin for `ShowerMaskingWidget`: the ellipse being placed or edited."""

    def _on_mouse(self, viewer: napari.Viewer, event):
        if self.session is None or event.button != 1:
            return
        active = viewer.layers.selection.active
        if isinstance(active, napari.layers.Shapes) and active.mode != "pan_zoom":
            return  # napari's own shape tools handle it
        dragged = False
        yield
        while event.type == "mouse_move":
            dragged = True
            yield
        if not dragged:
            self.place(event.position)

    def place(self, position) -> None:
        """Put the current (red) ellipse at a viewer (world) position on the slice on screen.

        Parameters
        ----------
        position : sequence of float
            World coordinates, as napari's ``event.position``; outside the image, nothing.
        """
        if self.session is None:
            return
        self.session.place(self.image.world_to_data(position))
        self._draw_current()

    def _reshape(self, **shape: float) -> None:
        if self.session is None or self._quiet:
            return
        self.session.reshape(**shape)
        self._draw_current()

    def _on_current_changed(self, event) -> None:
        """Follow napari's shape tools on the current layer: move, rotate, resize, draw."""
        if self._quiet or self.session is None or str(event.action) in ("adding", "removing"):
            return
        data, types = self.current_layer.data, self.current_layer.shape_type
        if not data:
            self.session.discard()  # deleted with napari's tools
            self._sync_buttons()
        elif str(event.action) == "added":  # a new ellipse drawn with napari's tool
            if types[-1] == "ellipse":
                self.session.follow_corners(data[-1], at=self.slice_now())
            QTimer.singleShot(0, self._draw_current)  # keep only the current ellipse
        else:
            self.session.follow_corners(data[-1])
        self._sync_sliders(draw=False)

    def _sync_sliders(self, draw: bool = True) -> None:
        """Set the shape sliders to the session's shape (and draw the current ellipse)."""
        self._quiet = True
        try:
            self.major.value = min(self.session.semi_major, self.major.max)
            self.minor.value = min(self.session.semi_minor, self.minor.max)
            self.theta.value = self.session.theta
        finally:
            self._quiet = False
        if draw:
            self._draw_current()

    def _sync_buttons(self) -> None:
        editing = self.session is not None and self.session.editing is not None
        self.mark_button.text = "Update Shower" if editing else "Mark Shower"
