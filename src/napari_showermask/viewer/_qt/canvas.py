"""The canvas: clicks place the current ellipse, the status bar names DQ flags, shape tools."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import napari

from napari_showermask.core.shower import Shower
from napari_showermask.viewer._qt.follower import ProductFollower
from napari_showermask.viewer.dqdisplay import flag_names

DQ_MARK = "  |  "


class CanvasTools:
    """Follow the mouse on the viewer's canvas for the product the follower is bound to.

    Parameters
    ----------
    viewer : napari.Viewer
        Its mouse drag and move callbacks get this object's (until `disconnect`).
    follower : ProductFollower
        Gives the binding and session on screen, and defers drawings while editing.

    Notes
    -----
    napari's status bar, under the cursor on the product, gets the DQ value there and the
    name of every flag set in it (``| DQ 5: DO_NOT_USE, JUMP_DET``) after napari's own text.
    """

    def __init__(self, viewer: napari.Viewer, follower: ProductFollower) -> None:
        self.viewer, self.follower = viewer, follower
        viewer.mouse_drag_callbacks.append(self.on_mouse)
        viewer.events.status.connect(self._on_status)

    def disconnect(self) -> None:
        """Remove the mouse callbacks from the viewer."""
        if self.on_mouse in self.viewer.mouse_drag_callbacks:
            self.viewer.mouse_drag_callbacks.remove(self.on_mouse)
        self.viewer.events.status.disconnect(self._on_status)

    def on_mouse(self, viewer: napari.Viewer, event: Any) -> Generator[None, None, None]:
        """Place the current ellipse where the left button was clicked (not dragged)."""
        if self.follower.binding is None or event.button != 1 or viewer.dims.ndisplay != 2:
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

    def dq_text(self, position: Sequence[float]) -> str | None:
        """Return ``'DQ <value>: <flag names>'`` at a world position (None off the product)."""
        binding, session = self.follower.binding, self.follower.session
        if binding is None or session is None or not binding.alive():
            return None
        point = binding.image.world_to_data(position)
        at = session.slice_of(point)
        y, x = (int(round(v)) for v in point[-2:])
        ny, nx = session.shape[-2:]
        if at is None or not (0 <= y < ny and 0 <= x < nx):
            return None
        index = (*binding.lead(session, *at), y, x)
        value = int(binding.product.read(binding.product.dq_name, index))
        return f"DQ {value}: {flag_names(value, binding.product.dq_name)}"

    def _on_status(self, event: Any) -> None:
        """Add the DQ flags under the cursor to the status napari just set."""
        status = event.value
        if not isinstance(status, dict) or DQ_MARK in str(status.get("coordinates", "")):
            return
        if not self.viewer.mouse_over_canvas:
            return  # a status not from the cursor (napari's own updates): nothing to read
        text = self.dq_text(self.viewer.cursor.position)
        if text is not None:
            coordinates = f"{status.get('coordinates', '')}{DQ_MARK}{text}"
            self.viewer.status = {**status, "coordinates": coordinates}

    def place(self, position: Sequence[float]) -> Shower | None:
        """Put the current (red) ellipse at a world position on the slice on screen."""
        binding, session = self.follower.binding, self.follower.session
        if binding is None or session is None:
            return None
        return session.place(binding.image.world_to_data(position))

    def current_edited(self, layer: napari.layers.Shapes, event: Any) -> None:
        """Follow napari's shape tools on the current layer: move, rotate, resize, draw."""
        follower = self.follower
        session, binding = follower.session, follower.binding
        action = str(event.action)  # "changing", "adding"...: before the change: not yet
        if session is None or binding is None or action.endswith("ing"):
            return
        with follower.editing():
            if not layer.data:
                session.discard()  # deleted with napari's tools
            elif action == "added":  # a new ellipse drawn with napari's tool
                at = binding.slice_now(session)
                if layer.shape_type[-1] == "ellipse" and at is not None:
                    session.follow_corners(layer.data[-1][:, -2:], at=at)
                follower.later(follower.draw)  # keep only the current ellipse
            else:
                session.follow_corners(layer.data[-1][:, -2:])
