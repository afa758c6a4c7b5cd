"""The widget's hold on the viewer: bound to the newest product's layers, following its events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import napari
from napari.utils.notifications import show_info
from qtpy.QtCore import QTimer

from napari_showermask.core.shower import Shower
from napari_showermask.viewer._qt.binding import ProductBinding, product_of, role_of
from napari_showermask.viewer._qt.compat import camera
from napari_showermask.viewer._qt.drawn import hold_ahead_until_drawn
from napari_showermask.viewer._qt.opened import ExposureSessions
from napari_showermask.viewer._qt.panels import ShapePanel
from napari_showermask.viewer._qt.store import keep
from napari_showermask.viewer.session import MaskingSession


class ProductFollower:
    """Bind to the newest product opened with this plugin and keep its drawings current.

    Layers inserted or removed, the slice on screen and the display's dimensionality are
    followed; every change of the layers is done after the viewer's event, never inside it.

    Parameters
    ----------
    viewer : napari.Viewer
    exposures : ExposureSessions
        Every exposure's work: a product bound is listed there, and finds its session.
    shape : ShapePanel
        Its Image Scale Factor sets the contrast, its DQ Opacity the DQ layer's opacity
        (followed from now on).
    on_session : callable
        ``on_session(session)`` once the product on screen changed (None: no product).
    on_current_edited : callable
        Given to each `ProductBinding`: napari's shape tools changed the current ellipse.

    Attributes
    ----------
    session : MaskingSession or None
        The session of the product on screen.
    binding : ProductBinding or None
        The product's layers and the overlays.
    closed : bool
        True once `disconnect` was called: deferred work is dropped.
    """

    def __init__(
        self,
        viewer: napari.Viewer,
        exposures: ExposureSessions,
        shape: ShapePanel,
        on_session: Callable[[MaskingSession | None], None],
        on_current_edited: Callable[[napari.layers.Shapes, Any], None],
    ) -> None:
        self.viewer, self.exposures, self.shape = viewer, exposures, shape
        self.on_session, self.on_current_edited = on_session, on_current_edited
        self.session: MaskingSession | None = None
        self.binding: ProductBinding | None = None
        self.closed = False
        self._orphans: list[Any] = []
        self._editing = False
        self._events: list[tuple[Any, Callable[..., Any]]] = [
            (viewer.dims.events.current_step, self.refresh),
            (viewer.layers.events.inserted, self._on_inserted),
            (viewer.layers.events.removed, self._on_removed),
        ]
        for emitter, callback in self._events:
            emitter.connect(callback)
        viewer.dims.events.ndisplay.connect(self._on_ndisplay, position="first")
        self._events.append((viewer.dims.events.ndisplay, self._on_ndisplay))
        shape.scale.changed.connect(lambda value: self.refresh())
        shape.opacity.changed.connect(self._set_opacity)
        hold_ahead_until_drawn()  # frames ahead are read once the frame shown is drawn

    def disconnect(self) -> None:
        """Stop following the viewer's events; work deferred until after them is dropped."""
        self.closed = True
        for emitter, callback in self._events:
            emitter.disconnect(callback)

    def later(self, function: Callable[[], None]) -> None:
        """Run after the current event: layers are never changed inside a layer event."""
        QTimer.singleShot(0, lambda: None if self.closed else function())

    # layers inserted and removed ---------------------------------------------------------
    def _on_inserted(self, event: Any) -> None:
        if role_of(event.value) == "difference":
            if self.viewer.dims.ndisplay == 3:
                # now, before the product's DQ layer comes: napari 0.9 raises from its status
                # bar when a labels layer with features becomes active in 3-D
                self._back_to_2d()
            self.later(self.adopt)

    def _on_removed(self, event: Any) -> None:
        product = product_of(event.value)
        if product is not None:
            self._orphans.append(product)
        self.later(self._check_layers)

    def _check_layers(self) -> None:
        """After layers went: close products left without layers; unbind or re-add layers."""
        orphans, self._orphans = self._orphans, []
        for product in orphans:
            if all(product_of(layer) is not product for layer in self.viewer.layers):
                product.close()
        if self.binding is not None and not self.binding.alive():
            self.unbind()
            self.adopt()
        elif self.binding is not None:
            self.ensure()

    # binding -----------------------------------------------------------------------------
    def adopt(self) -> None:
        """Bind to the newest product opened with this plugin, if not bound to it yet."""
        images = [layer for layer in self.viewer.layers if role_of(layer) == "difference"]
        if not images:
            return
        if self.binding is not None and self.binding.image is images[-1]:
            return
        self.bind(images[-1])

    def bind(self, image: napari.layers.Image) -> None:
        """Show the product of a ``difference`` layer: its session, layers and overlays."""
        if self.binding is not None:
            self.unbind()
        session = self.exposures.session_for(image.data.product)
        self.binding = ProductBinding(self.viewer, image, self.on_current_edited)
        self._follow(session)
        self.viewer.layers.selection.active = image
        if len(image.axis_labels) == self.viewer.dims.ndim:
            self.viewer.dims.axis_labels = image.axis_labels
        camera(self.viewer).orientation2d = ("up", "right")  # origin lower-left, as DS9
        self.binding.set_opacity(self.shape.opacity.value)
        self.later(self.ensure)  # overlays once the product's layers are drawn
        self.refresh()

    def ensure(self) -> None:
        """Add the overlays (and the showers layer) that are missing, and draw."""
        if self.binding is not None and self.binding.alive():
            self.binding.ensure_layers()
            self.draw()

    def unbind(self) -> None:
        """Remove the overlays and show no product; the product's own layers stay."""
        if self.binding is not None:
            self.binding.detach()
        self.binding = None
        self._follow(None)

    def _follow(self, session: MaskingSession | None) -> None:
        """Make ``session`` the one shown: drawings, then the widget, follow its signals."""
        pairs = [("marked_changed", self._on_marked), ("current_changed", self.draw)]
        pairs += [("candidates_changed", self.draw), ("kept_changed", self._show_rows)]
        if self.session is not None:
            for name, callback in pairs:
                getattr(self.session, name).disconnect(callback)
        self.session = session
        if session is not None:
            for name, callback in pairs:
                getattr(session, name).connect(callback)
        self.on_session(session)

    # drawing -----------------------------------------------------------------------------
    def _on_marked(self) -> None:
        if self.session is not None:
            keep(self.session)
        self.draw()
        self._show_rows()

    def _show_rows(self) -> None:
        self.exposures.show(self.session)

    def draw(self) -> None:
        """Draw the session on the product's layers (after the event, when editing)."""
        if self._editing:
            self.later(self.draw)  # not inside the current layer's own data event
        elif self.binding is not None and self.session is not None:
            self.binding.draw(self.session)

    @contextmanager
    def editing(self) -> Iterator[None]:
        """Defer drawings while napari's shape tools change the current layer."""
        self._editing = True
        try:
            yield
        finally:
            self._editing = False

    def refresh(self, event: Any = None) -> None:
        """Set the contrast of the frame on screen and draw its showers."""
        if self.binding is not None and self.session is not None:
            self.binding.contrast(self.session, self.shape.scale.value)
            self.binding.draw(self.session)

    def _set_opacity(self, value: float) -> None:
        if self.binding is not None:
            self.binding.set_opacity(value)

    def _on_ndisplay(self, event: Any) -> None:
        if self.binding is not None and self.viewer.dims.ndisplay == 3:
            self._back_to_2d()

    def _back_to_2d(self) -> None:
        if self.viewer.dims.ndisplay == 3:
            self.viewer.dims.ndisplay = 2
            show_info(
                "Shower Masking works on 2-D planes: 3-D display stays off while a product "
                "is open (it would read a whole integration)."
            )

    def go_to(self, shower: Shower) -> None:
        """Show a shower: its integration and first group, centred on it."""
        session, binding = self.session, self.binding
        if session is None or binding is None:
            return
        lead = binding.lead(session, shower.integration, shower.group)
        step = list(self.viewer.dims.current_step)
        offset = len(step) - binding.image.ndim
        step[offset : offset + len(lead)] = lead
        self.viewer.dims.current_step = tuple(step)
        camera(self.viewer).center = (shower.y, shower.x)
