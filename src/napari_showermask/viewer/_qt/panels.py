"""Panels of the Shower Masking widget: each owns its controls and redraws on session events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import FloatSlider, PushButton
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from napari_showermask.core.shower import Shower
from napari_showermask.viewer._qt.layout import fit_rows, form, narrow_list, tip
from napari_showermask.viewer.session import MaskingSession


def describe(shower: Shower) -> str:
    """Return the one-line list entry of a shower (centre and semi-axes in pixels)."""
    s = shower
    text = (
        f"int {s.integration} grp {s.group}  ({s.x:.0f}, {s.y:.0f})  "
        f"{s.semi_major:.0f}\u00d7{s.semi_minor:.0f} px  {s.theta:.0f}\u00b0"
    )
    if "score" in s.extra:
        text += f"  score {float(s.extra['score']):.0f}"
    return text


def explain(shower: Shower) -> str:
    """Return a shower's tooltip: every field with its unit and convention."""
    s = shower
    text = (
        f"integration {s.integration}, first group {s.group}\n"
        f"centre x = {s.x:.2f} px, y = {s.y:.2f} px (0-based)\n"
        f"semi-axes {s.semi_major:.2f} px and {s.semi_minor:.2f} px\n"
        f"theta = {s.theta:.1f} deg counter-clockwise from +x"
    )
    if "score" in s.extra:
        text += f"\ndetector score {float(s.extra['score']):.1f}"
    return text + "\nSelect to go there."


def show_showers(lst: QListWidget, showers: list[Shower], most: int = 5) -> None:
    """Fill a list with one row per shower (kept selection), as tall as its rows."""
    rows = [describe(shower) for shower in showers]
    shown = [lst.item(n) for n in range(lst.count())]
    if rows != [item.text() for item in shown if item is not None]:
        row = lst.currentRow()
        lst.blockSignals(True)
        lst.clear()
        for shower, text in zip(showers, rows, strict=True):
            item = QListWidgetItem(text)
            item.setToolTip(explain(shower))
            lst.addItem(item)
        if 0 <= row < len(rows):
            lst.setCurrentRow(row)
        lst.blockSignals(False)
    fit_rows(lst, most)


def button_row(*buttons: Any) -> QWidget:
    """Return a widget laying buttons out side by side."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(3)
    for button in buttons:
        layout.addWidget(getattr(button, "native", button))
    return box


class SessionPanel(QWidget):
    """A panel that follows one session at a time (`set_session`) through its signals."""

    signals: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.session: MaskingSession | None = None
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def set_session(self, session: MaskingSession | None) -> None:
        """Follow ``session`` (None: none) instead of the previous one, and show it."""
        if self.session is not None:
            for name in self.signals:
                getattr(self.session, name).disconnect(self.show_session)
        self.session = session
        if session is not None:
            for name in self.signals:
                getattr(session, name).connect(self.show_session)
        self.show_session()

    def show_session(self) -> None:
        """Show the session's state (subclasses)."""

    def add(self, *widgets: Any) -> None:
        """Add widgets (magicgui or Qt) below the others."""
        for widget in widgets:
            self.box.addWidget(getattr(widget, "native", widget))


class ShapePanel(SessionPanel):
    """The next ellipse's shape (theta, semi-axes) and the display's contrast and DQ opacity.

    The shape sliders are this panel; ``display`` holds the two display sliders (shown in
    their own section).
    """

    signals = ("shape_changed",)

    def __init__(self) -> None:
        super().__init__()
        self.scale = FloatSlider(label="Contrast (+/- k sigma)", min=0.5, max=20, value=3)
        self.opacity = FloatSlider(label="DQ opacity", min=0, max=1, value=0.4)
        self.theta = FloatSlider(label="Theta (deg)", min=0, max=180, value=0)
        self.major = FloatSlider(label="Semi-major (px)", min=1, max=300, value=20)
        self.minor = FloatSlider(label="Semi-minor (px)", min=1, max=300, value=12)
        tip(self.scale, "Contrast of the frame on screen: its median +/- k robust sigma.")
        tip(self.opacity, "Opacity of the DQ overlay (0: hidden).")
        tip(self.theta, "Angle of the ellipse's major axis, degrees counter-clockwise from +x.")
        tip(self.major, "Semi-major axis of the ellipse, in pixels.")
        tip(self.minor, "Semi-minor axis of the ellipse, in pixels.")
        self._quiet = False
        for name in ("theta", "major", "minor"):
            slider = getattr(self, name)
            slider.changed.connect(lambda value, name=name: self._reshape(name, value))
        self.display = form(self.scale, self.opacity)
        self.add(form(self.theta, self.major, self.minor))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def _reshape(self, name: str, value: float) -> None:
        if self._quiet or self.session is None:
            return
        field = {"theta": "theta", "major": "semi_major", "minor": "semi_minor"}[name]
        self.session.reshape(**{field: value})

    def show_session(self) -> None:
        """Set the sliders to the session's shape, within their ranges, without feedback."""
        s = self.session
        if s is None:
            return
        self._quiet = True
        try:
            shape = [(self.major, s.semi_major), (self.minor, s.semi_minor)]
            for slider, value in [*shape, (self.theta, s.theta % 180)]:
                slider.value = min(max(value, slider.min), slider.max)
        finally:
            self._quiet = False


class MarkedPanel(SessionPanel):
    """The marked showers: the list, Edit, Delete, Undo, Redo; ``mark_button`` (placed apart)."""

    signals = ("marked_changed", "current_changed")

    def __init__(self) -> None:
        super().__init__()
        self.mark_button = PushButton(text="Mark Shower")
        self.list = narrow_list(QListWidget(), elide=Qt.TextElideMode.ElideRight)
        self.edit_button = PushButton(text="Edit")
        self.delete_button = PushButton(text="Delete")
        self.undo_button = PushButton(text="Undo")
        self.redo_button = PushButton(text="Redo")
        tip(self.mark_button, "Mark the red ellipse as a shower (kept in the sidecar catalog).")
        tip(self.list, "Marked showers, drawn green where they are masked. Select to go there.")
        tip(self.edit_button, "Make the selected shower the red ellipse, to reshape and mark.")
        tip(self.delete_button, "Remove the selected shower (Undo brings it back).")
        tip(self.undo_button, "Undo the last change of the marked showers (Ctrl+Z).")
        tip(self.redo_button, "Redo what was undone (Ctrl+Shift+Z).")
        buttons = (self.edit_button, self.delete_button, self.undo_button, self.redo_button)
        self.add(self.list, button_row(*buttons))

    def show_session(self) -> None:
        """List the marked showers and name the Mark button after what it does."""
        s = self.session
        editing = s is not None and s.editing is not None
        self.mark_button.text = "Update Shower" if editing else "Mark Shower"
        show_showers(self.list, s.marked if s else [])


class CandidatePanel(SessionPanel):
    """The detector's candidates: Find/Cancel, the list, Accept, Edit, Reject."""

    signals = ("candidates_changed",)

    def __init__(self) -> None:
        super().__init__()
        self.find_button = PushButton(text="Find Showers")
        self.list = narrow_list(QListWidget(), elide=Qt.TextElideMode.ElideRight)
        self.accept_button = PushButton(text="Accept")
        self.revise_button = PushButton(text="Edit")
        self.reject_button = PushButton(text="Reject")
        tip(self.find_button, "Run the shower detector on this ramp; press again to cancel.")
        tip(self.list, "Candidates from the detector, drawn cyan. Select to go there.")
        tip(self.accept_button, "Mark the selected candidate as a shower.")
        tip(self.revise_button, "Make the selected candidate the red ellipse, to reshape.")
        tip(self.reject_button, "Drop the selected candidate.")
        self.add(self.find_button, self.list)
        self.add(button_row(self.accept_button, self.revise_button, self.reject_button))

    def show_session(self) -> None:
        """List the candidates."""
        show_showers(self.list, self.session.candidates if self.session else [])

    def running(self, running: bool) -> None:
        """Show whether the detector runs (the button cancels it then)."""
        self.find_button.text = "Cancel Finding" if running else "Find Showers"


def connect_rows(lst: QListWidget, action: Callable[[int], None]) -> None:
    """Call ``action(row)`` when the user selects a row of a list."""
    lst.currentRowChanged.connect(lambda row: action(row) if row >= 0 else None)
