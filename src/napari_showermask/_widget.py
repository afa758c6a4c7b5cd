"""The Shower Masking dock widget: layout and wiring; decisions live in MaskingSession."""

from __future__ import annotations

import napari
from magicgui.widgets import Container, FloatSlider, Label, PushButton
from qtpy.QtWidgets import QListWidget, QVBoxLayout, QWidget

from ._layers import CURRENT_COLOR, MARKED_COLOR, frame_contrast, set_ellipses, shower_corners
from ._widget_detect import CANDIDATE_COLOR, DetectionActions
from ._widget_files import FileActions
from .planes import ProductPlanes
from .session import MaskingSession

PLUGIN = "napari-showermask"


class ShowerMaskingWidget(DetectionActions, FileActions, QWidget):
    """Mark showers on a JWST product open in napari and save the masked file."""

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.session: MaskingSession | None = None
        self.image = self.dq = self.marked_layer = self.current_layer = None
        self._quiet = False
        self.worker = self.detect_worker = None
        self.candidate_layer = None
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
        layout = QVBoxLayout(self)
        sliders = Container(widgets=[self.scale, self.opacity, self.theta, self.major, self.minor])
        marked_title = Label(value="Marked showers (green): select to go there")
        controls = [self.status, self.open_button, sliders, self.mark_button, marked_title]
        controls += [self.showers]
        controls += [self.edit_button, self.delete_button, self.save_button]
        review = Container(
            widgets=[self.accept_button, self.revise_button, self.reject_button],
            layout="horizontal", labels=False,
        )  # fmt: skip
        candidates_title = Label(value="Candidates (cyan): accept, edit or reject")
        controls += [self.find_button, candidates_title, self.candidates, review]
        controls += [self.save_catalog_button, self.load_catalog_button, self.quit_button]
        for widget in controls:
            layout.addWidget(getattr(widget, "native", widget))
        self._connect()
        self.viewer.layers.events.inserted.connect(lambda event: self.bind())
        self.bind()

    def _connect(self) -> None:
        self.scale.changed.connect(lambda value: self.update_contrast())
        self.opacity.changed.connect(self._set_opacity)
        for slider in (self.theta, self.major, self.minor):
            slider.changed.connect(lambda value: self._reshape())
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
        self.image = image
        product = image.data.product
        self.session = MaskingSession(product.kind, product.shape)
        stem = image.name.removesuffix(" difference")
        self.dq = self.viewer.layers[f"{stem} DQ"] if f"{stem} DQ" in self.viewer.layers else None
        self.marked_layer = self.viewer.layers[f"{stem} showers"]
        self.marked_layer.editable = False
        self.current_layer = self.viewer.add_shapes(
            ndim=image.ndim, name="current shower", edge_color=CURRENT_COLOR,
            face_color="transparent", edge_width=1.5, shape_type="ellipse",
        )  # fmt: skip
        self.current_layer.events.data.connect(self._on_current_changed)
        self.candidate_layer = self.viewer.add_shapes(
            ndim=image.ndim, name="shower candidates", edge_color=CANDIDATE_COLOR,
            face_color="transparent", edge_width=1.5, shape_type="ellipse",
        )  # fmt: skip
        self.candidate_layer.editable = False
        self.viewer.layers.selection.active = image
        self.viewer.dims.axis_labels = image.axis_labels
        self.viewer.camera.orientation2d = ("up", "right")  # origin lower-left, as DS9
        self.status.value = f"{product.path.name}: {product.kind} {product.shape}"
        self._set_opacity(self.opacity.value)
        self.refresh()

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
        """Redraw contrast, the marked showers of this slice, and the current ellipse."""
        if self.session is None:
            return
        self.update_contrast()
        i, g = self.slice_now()
        lead = self._lead(i, g)
        visible = [self.session.marked[n] for n in self.session.visible(i, g)]
        set_ellipses(self.marked_layer, [shower_corners(s, lead) for s in visible], MARKED_COLOR)
        candidates = self.session.candidates
        shown = [
            shower_corners(candidates[n], lead) for n in self.session.visible(i, g, candidates)
        ]
        set_ellipses(self.candidate_layer, shown, CANDIDATE_COLOR)
        self.marked_layer.metadata["showermask_catalog"] = list(self.session.marked)
        self._draw_current()

    def _draw_current(self) -> None:
        self._quiet = True
        try:
            current = self.session.current
            lead = self._lead(current.integration, current.group) if current else []
            corners = [shower_corners(current, lead)] if current else []
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

    # user actions -------------------------------------------------------------------------
    def _on_mouse(self, viewer: napari.Viewer, event) -> None:
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
        """Put the current (red) ellipse at a viewer position on the current slice."""
        data_point = self.image.world_to_data(position)
        self.session.place(data_point)
        self._draw_current()

    def _reshape(self) -> None:
        if self.session is None or self._quiet:
            return
        self.session.reshape(self.major.value, self.minor.value, self.theta.value)
        self._draw_current()

    def _on_current_changed(self, event) -> None:
        if self._quiet or self.session is None or len(self.current_layer.data) != 1:
            return
        shower = self.session.follow_corners(self.current_layer.data[0])
        self._quiet = True
        try:
            self.major.value = min(shower.semi_major, self.major.max)
            self.minor.value = min(shower.semi_minor, self.minor.max)
            self.theta.value = shower.theta
        finally:
            self._quiet = False

    def mark(self) -> None:
        """Record the current ellipse as a shower (from its group to the end of its run)."""
        if self.session is None or self.session.mark() is None:
            return
        self._list()
        self.refresh()

    def _list(self) -> None:
        self.showers.blockSignals(True)
        self.showers.clear()
        for s in self.session.marked:
            self.showers.addItem(
                f"int {s.integration} grp {s.group}  x={s.x:.1f} y={s.y:.1f}  "
                f"a={s.semi_major:.1f} b={s.semi_minor:.1f} theta={s.theta:.0f}"
            )
        self.showers.blockSignals(False)

    def go_to(self, row: int, showers=None) -> None:
        """Show a marked shower (or one of ``showers``): its integration and first group."""
        showers = self.session.marked if showers is None and self.session else showers
        if self.session is None or not 0 <= row < len(showers):
            return
        s = showers[row]
        lead = self._lead(s.integration, s.group)
        step = list(self.viewer.dims.current_step)
        step[: len(lead)] = lead
        self.viewer.dims.current_step = tuple(step)
        self.viewer.camera.center = (s.y, s.x)

    def edit(self, row: int) -> None:
        """Make a marked shower the current ellipse; Mark Shower stores the change."""
        if self.session is None or not 0 <= row < len(self.session.marked):
            return
        self.go_to(row)
        self.session.edit(row)
        self._sync_sliders()

    def _sync_sliders(self) -> None:
        """Set the shape sliders to the current ellipse, and draw it."""
        self._quiet = True
        try:
            self.major.value = self.session.semi_major
            self.minor.value = self.session.semi_minor
            self.theta.value = self.session.theta
        finally:
            self._quiet = False
        self._draw_current()

    def delete(self, row: int) -> None:
        """Remove a marked shower."""
        if self.session is None or not 0 <= row < len(self.session.marked):
            return
        self.session.delete(row)
        self._list()
        self.refresh()


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
