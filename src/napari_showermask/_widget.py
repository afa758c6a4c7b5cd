"""The Shower Masking dock widget: layout and wiring; decisions live in MaskingSession."""

from __future__ import annotations

import napari
from magicgui.widgets import Container, FloatSlider, Label, PushButton
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QListWidget, QVBoxLayout, QWidget

from ._layers import CURRENT_COLOR, MARKED_COLOR, frame_contrast, set_ellipses, shower_corners
from ._widget_current import CurrentEllipseActions
from ._widget_detect import CANDIDATE_COLOR, DetectionActions
from ._widget_files import FileActions
from ._widget_list import ListActions
from .planes import ProductPlanes
from .session import MaskingSession

PLUGIN = "napari-showermask"


class ShowerMaskingWidget(
    CurrentEllipseActions, ListActions, DetectionActions, FileActions, QWidget
):
    """Mark showers on a JWST product open in napari and save the masked file.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
        The viewer; the widget attaches to the newest product opened there with this
        plugin (its ``<stem> difference``, ``<stem> DQ`` and ``<stem> showers`` layers).
    """

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.session: MaskingSession | None = None
        self.image = self.dq = self.marked_layer = self.current_layer = None
        self.candidate_layer = self.worker = self.detect_worker = None
        self._quiet = False
        self.status = Label(value="Open a JWST _jump, _rate or _rateints file.")
        self.scale = FloatSlider(label="Image Scale Factor", min=0.5, max=20, value=3)
        self.opacity = FloatSlider(label="DQ Opacity", min=0, max=1, value=0.4)
        self.theta = FloatSlider(label="Theta", min=0, max=180, value=0)
        self.major = FloatSlider(label="Semi-Major Axis", min=1, max=300, value=20)
        self.minor = FloatSlider(label="Semi-Minor Axis", min=1, max=300, value=12)
        self.mark_button = PushButton(text="Mark Shower")
        self.showers = QListWidget()
        self.edit_button = PushButton(text="Edit Selected")
        self.delete_button = PushButton(text="Delete Selected")
        self.save_button = PushButton(text="Save Masked File")
        self.save_catalog_button = PushButton(text="Save Catalog...")
        self.load_catalog_button = PushButton(text="Load Catalog...")
        self.open_button = PushButton(text="Open File...")
        self.quit_button = PushButton(text="Quit")
        self.find_button = PushButton(text="Find Showers")
        self.candidates = QListWidget()
        self.accept_button = PushButton(text="Accept")
        self.revise_button = PushButton(text="Edit")
        self.reject_button = PushButton(text="Reject")
        self._layout()
        self._connect()
        self.bind()

    def _layout(self) -> None:
        sliders = Container(widgets=[self.scale, self.opacity, self.theta, self.major, self.minor])
        review = Container(
            widgets=[self.accept_button, self.revise_button, self.reject_button],
            layout="horizontal", labels=False,
        )  # fmt: skip
        controls = [self.status, self.open_button, sliders, self.mark_button]
        controls += [Label(value="Marked showers (green): select to go there"), self.showers]
        controls += [self.edit_button, self.delete_button, self.save_button, self.find_button]
        controls += [Label(value="Candidates (cyan): accept, edit or reject")]
        controls += [self.candidates, review]
        controls += [self.save_catalog_button, self.load_catalog_button, self.quit_button]
        layout = QVBoxLayout(self)
        for widget in controls:
            layout.addWidget(getattr(widget, "native", widget))

    def _connect(self) -> None:
        self.scale.changed.connect(lambda value: self.update_contrast())
        self.opacity.changed.connect(self._set_opacity)
        self.theta.changed.connect(lambda value: self._reshape(theta=value))
        self.major.changed.connect(lambda value: self._reshape(semi_major=value))
        self.minor.changed.connect(lambda value: self._reshape(semi_minor=value))
        self.mark_button.clicked.connect(self.mark)
        self.showers.currentRowChanged.connect(self.go_to)
        self.edit_button.clicked.connect(lambda: self.edit(self.showers.currentRow()))
        self.delete_button.clicked.connect(lambda: self.delete(self.showers.currentRow()))
        self.save_button.clicked.connect(lambda: self.save())
        self.save_catalog_button.clicked.connect(lambda: self.save_catalog())
        self.load_catalog_button.clicked.connect(lambda: self.load_catalog())
        self.open_button.clicked.connect(lambda: self.open_file())
        self.quit_button.clicked.connect(lambda: self.quit())
        self.find_button.clicked.connect(lambda: self._toggle_find())
        self.accept_button.clicked.connect(lambda: self._candidate_action("accept"))
        self.revise_button.clicked.connect(lambda: self._candidate_action("revise"))
        self.reject_button.clicked.connect(lambda: self._candidate_action("reject"))
        self.candidates.currentRowChanged.connect(
            lambda row: self.go_to(row, self.session.candidates) if self.session else None
        )
        self.viewer.dims.events.current_step.connect(lambda event: self.refresh())
        self.viewer.mouse_drag_callbacks.append(self._on_mouse)
        self.viewer.layers.events.inserted.connect(lambda event: self.bind())
        self.viewer.layers.events.removed.connect(self._on_removed)

    # binding to a product -------------------------------------------------------------
    def bind(self) -> None:
        """Attach to the newest product opened with this plugin (if not attached yet)."""
        for layer in reversed(self.viewer.layers):
            if isinstance(layer.data, ProductPlanes) and layer.data.what == "difference":
                stem = layer.name.removesuffix(" difference")
                if layer is not self.image and f"{stem} showers" in self.viewer.layers:
                    self._attach(layer)
                return

    def _attach(self, image: napari.layers.Image) -> None:
        self._detach()
        self.image = image
        product = image.data.product
        self.session = MaskingSession(product.kind, product.shape)
        stem = image.name.removesuffix(" difference")
        self.dq = self.viewer.layers[f"{stem} DQ"] if f"{stem} DQ" in self.viewer.layers else None
        if self.dq is not None:
            self.dq.editable = False  # read from the file: no painting
        self.marked_layer = self.viewer.layers[f"{stem} showers"]
        self.marked_layer.editable = False  # drawn by the widget
        # The widget's own layers are 2-D (y, x) and it draws on them what belongs to the
        # slice on screen: paging does not re-slice them, and a re-sliced shapes layer
        # rebuilds its GL programs (tens of ms per group with software OpenGL). They are
        # added once the product's layers are drawn, so the data shows up sooner.
        QTimer.singleShot(0, self._add_overlays)
        self.viewer.layers.selection.active = image
        self.viewer.dims.axis_labels = image.axis_labels
        self.viewer.scene.camera.orientation2d = ("up", "right")  # origin lower-left, as DS9
        self.status.value = f"{product.path.name}: {product.kind} {product.shape}"
        self._set_opacity(self.opacity.value)
        self.refresh()

    def _add_overlays(self) -> None:
        """Add the current-ellipse and candidate layers (those missing; again if deleted)."""
        if self.session is None:
            return
        active = self.viewer.layers.selection.active
        if self.current_layer is None:
            self.current_layer = self._overlay("current shower", CURRENT_COLOR)
            self.current_layer.events.data.connect(self._on_current_changed)
        if self.candidate_layer is None:
            self.candidate_layer = self._overlay("shower candidates", CANDIDATE_COLOR)
            self.candidate_layer.editable = False
        self.viewer.layers.selection.active = active  # adding a layer selects it
        self.refresh()

    def _overlay(self, name: str, color: str) -> napari.layers.Shapes:
        return self.viewer.add_shapes(
            ndim=2, name=name, edge_color=color, face_color="transparent", edge_width=1.5,
            shape_type="ellipse", axis_labels=("y", "x"),
        )  # fmt: skip

    def _detach(self, later: bool = False) -> None:
        """Forget the product: remove the widget's layers, clear the lists.

        Parameters
        ----------
        later : bool
            Remove the layers once the current layer-list event is over (needed inside a
            ``removed`` event: removing layers there confuses the canvas).
        """
        layers = [self.current_layer, self.candidate_layer]
        self.session = self.image = self.dq = self.marked_layer = None
        self.current_layer = self.candidate_layer = None
        self.showers.clear()
        self.candidates.clear()
        self.status.value = "Open a JWST _jump, _rate or _rateints file."
        self._sync_buttons()

        def remove() -> None:
            for layer in layers:
                if layer is not None and layer in self.viewer.layers:
                    self.viewer.layers.remove(layer)

        QTimer.singleShot(0, remove) if later else remove()

    def _on_removed(self, event) -> None:
        # Never draw on a removed layer: its canvas visual is gone, and GL may crash.
        layer = event.value
        if layer is self.image or layer is self.marked_layer:
            self._detach(later=True)
        elif layer is self.dq:
            self.dq = None
        elif layer is self.current_layer or layer is self.candidate_layer:
            if layer is self.current_layer:
                self.current_layer = None
            else:
                self.candidate_layer = None
            QTimer.singleShot(0, self._add_overlays)
        product = _product_of(layer)
        if product is not None and all(
            _product_of(lay) is not product for lay in self.viewer.layers
        ):
            product.close()  # its last layer is gone

    # drawing ------------------------------------------------------------------------------
    def slice_now(self) -> tuple[int, int]:
        """Return the (integration, group) on screen."""
        return self.session.slice_of(self.viewer.dims.point[: self.image.ndim])

    def _lead(self, integration: int, group: int) -> list[int]:
        """Return the leading (non-image) coordinates of a slice, for this kind."""
        return {"ramp": [integration, group], "rateints": [integration], "rate": []}[
            self.session.kind
        ]

    def refresh(self) -> None:
        """Redraw contrast, and the marked showers, candidates and current ellipse."""
        if self.session is None:
            return
        self.update_contrast()
        i, g = self.slice_now()
        lead = self._lead(i, g)
        editing = self.session.editing  # drawn red, as the current ellipse, not green
        visible = [self.session.marked[n] for n in self.session.visible(i, g) if n != editing]
        set_ellipses(self.marked_layer, [shower_corners(s, lead) for s in visible], MARKED_COLOR)
        candidates = self.session.candidates
        shown = [shower_corners(candidates[n]) for n in self.session.visible(i, g, candidates)]
        set_ellipses(self.candidate_layer, shown, CANDIDATE_COLOR)
        self.marked_layer.metadata["showermask_catalog"] = list(self.session.marked)
        self._draw_current()

    def _draw_current(self) -> None:
        """Draw the current ellipse if it applies to the slice on screen."""
        if self.session is None:
            return
        shown = self.session.shows_current(*self.slice_now())
        self._quiet = True
        try:
            corners = [shower_corners(self.session.current)] if shown else []
            set_ellipses(self.current_layer, corners, CURRENT_COLOR)
        finally:
            self._quiet = False

    def update_contrast(self) -> None:
        """Contrast: median +/- scale x sigma of the frame on screen."""
        if self.session is None:
            return
        index = tuple(int(round(p)) for p in self.viewer.dims.point[: self.image.ndim - 2])
        frame = self.image.data.product.difference(index)
        self.image.contrast_limits = frame_contrast(frame, self.scale.value)

    def _set_opacity(self, value: float) -> None:
        if self.dq is not None:
            self.dq.opacity = value


def _product_of(layer):
    """Return the product whose planes a layer shows, or None."""
    data = getattr(layer.data, "dq", layer.data)  # a DQ layer wraps the product's planes
    return data.product if isinstance(data, ProductPlanes) else None


def launch(path: str | None = None, block: bool = True) -> ShowerMaskingWidget:
    """Open napari with a product (if given) and the Shower Masking widget docked.

    Parameters
    ----------
    path : str, optional
        A ramp, rate or rateints file, opened with this plugin.
    block : bool
        Run the Qt event loop until the viewer closes.

    Returns
    -------
    ShowerMaskingWidget
        The docked widget; its ``viewer`` is the napari viewer.
    """
    viewer = napari.Viewer(title="Shower Masking")
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Shower Masking")
    if path is not None:
        widget.open_file(path)
    if block:
        napari.run()
    return widget
