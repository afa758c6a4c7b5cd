"""Panels of the Shower Masking widget: each owns its controls and redraws on session events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import FloatSlider, PushButton
from qtpy.QtWidgets import QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from napari_showermask.core.shower import Shower
from napari_showermask.viewer.session import MaskingSession


def describe(shower: Shower) -> str:
    """Return the one-line list entry of a shower."""
    s = shower
    text = (
        f"int {s.integration} grp {s.group}  x={s.x:.1f} y={s.y:.1f}  "
        f"a={s.semi_major:.1f} b={s.semi_minor:.1f} theta={s.theta:.0f}"
    )
    if "score" in s.extra:
        text += f"  score {float(s.extra['score']):.0f}"
    return text


def button_row(*buttons: PushButton) -> QWidget:
    """Return a widget laying buttons out side by side."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for button in buttons:
        layout.addWidget(button.native)
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
    """Display sliders (contrast, DQ opacity) and the shape of the next ellipse."""

    signals = ("shape_changed",)

    def __init__(self) -> None:
        super().__init__()
        self.scale = FloatSlider(label="Image Scale Factor", min=0.5, max=20, value=3)
        self.opacity = FloatSlider(label="DQ Opacity", min=0, max=1, value=0.4)
        self.theta = FloatSlider(label="Theta", min=0, max=180, value=0)
        self.major = FloatSlider(label="Semi-Major Axis", min=1, max=300, value=20)
        self.minor = FloatSlider(label="Semi-Minor Axis", min=1, max=300, value=12)
        self._quiet = False
        for name in ("theta", "major", "minor"):
            slider = getattr(self, name)
            slider.changed.connect(lambda value, name=name: self._reshape(name, value))
        from magicgui.widgets import Container

        self.add(Container(widgets=[self.scale, self.opacity, self.theta, self.major, self.minor]))

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
            for slider, value in (
                (self.major, s.semi_major), (self.minor, s.semi_minor), (self.theta, s.theta % 180)
            ):  # fmt: skip
                slider.value = min(max(value, slider.min), slider.max)
        finally:
            self._quiet = False


class MarkedPanel(SessionPanel):
    """The marked showers: Mark/Update, the list, Edit, Delete, Undo, Redo."""

    signals = ("marked_changed", "current_changed")

    def __init__(self) -> None:
        super().__init__()
        self.mark_button = PushButton(text="Mark Shower")
        self.list = QListWidget()
        self.edit_button = PushButton(text="Edit Selected")
        self.delete_button = PushButton(text="Delete Selected")
        self.undo_button = PushButton(text="Undo")
        self.redo_button = PushButton(text="Redo")
        self.add(self.mark_button, QLabel("Marked showers (green): select to go there"))
        self.add(self.list, button_row(self.edit_button, self.delete_button))
        self.add(button_row(self.undo_button, self.redo_button))
        self.list.setMinimumHeight(60)

    def show_session(self) -> None:
        """List the marked showers and name the Mark button after what it does."""
        s = self.session
        editing = s is not None and s.editing is not None
        self.mark_button.text = "Update Shower" if editing else "Mark Shower"
        rows = [describe(shower) for shower in s.marked] if s else []
        shown = [self.list.item(n) for n in range(self.list.count())]
        if rows != [item.text() for item in shown if item is not None]:
            row = self.list.currentRow()
            self.list.blockSignals(True)
            self.list.clear()
            self.list.addItems(rows)
            if 0 <= row < len(rows):
                self.list.setCurrentRow(row)
            self.list.blockSignals(False)


class CandidatePanel(SessionPanel):
    """The detector's candidates: Find/Cancel, the list, Accept, Edit, Reject."""

    signals = ("candidates_changed",)

    def __init__(self) -> None:
        super().__init__()
        self.find_button = PushButton(text="Find Showers")
        self.list = QListWidget()
        self.accept_button = PushButton(text="Accept")
        self.revise_button = PushButton(text="Edit")
        self.reject_button = PushButton(text="Reject")
        self.add(self.find_button, QLabel("Candidates (cyan): accept, edit or reject"))
        self.add(self.list, button_row(self.accept_button, self.revise_button, self.reject_button))
        self.list.setMinimumHeight(60)

    def show_session(self) -> None:
        """List the candidates."""
        rows = [describe(s) for s in self.session.candidates] if self.session else []
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(rows)
        self.list.blockSignals(False)

    def running(self, running: bool) -> None:
        """Show whether the detector runs (the button cancels it then)."""
        self.find_button.text = "Cancel Finding" if running else "Find Showers"


def connect_rows(lst: QListWidget, action: Callable[[int], None]) -> None:
    """Call ``action(row)`` when the user selects a row of a list."""
    lst.currentRowChanged.connect(lambda row: action(row) if row >= 0 else None)
