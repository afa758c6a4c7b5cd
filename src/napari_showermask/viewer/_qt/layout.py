"""The dock's layout: sections that fold, in one column that never scrolls sideways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QListWidget,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def tip(widget: Any, text: str) -> Any:
    """Give a control (magicgui or Qt) and the Qt controls inside it a tooltip; return it."""
    native: QWidget = getattr(widget, "native", widget)
    native.setToolTip(text)
    for kind in (QAbstractButton, QAbstractSlider, QAbstractSpinBox):
        for child in native.findChildren(kind):
            child.setToolTip(text)
    return widget


def form(*controls: Any) -> QWidget:
    """Return magicgui controls laid out in a form: their labels in one column, aligned."""
    box = QWidget()
    layout = QFormLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(3)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    for control in controls:
        label = QLabel(control.label)
        label.setToolTip(control.native.toolTip())
        layout.addRow(label, control.native)
    box.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return box


def fit_rows(lst: QListWidget, most: int = 5) -> None:
    """Make a list as tall as its rows, up to ``most`` of them (then it scrolls); one if empty."""
    shown = min(lst.count(), most)
    rows = sum(max(lst.sizeHintForRow(n), 1) for n in range(shown))
    if shown == 0:
        rows = lst.fontMetrics().height() + 4
    lst.setFixedHeight(rows + 2 * lst.frameWidth())


def narrow_list(
    lst: QListWidget, most: int = 5, elide: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle
) -> QListWidget:
    """Set a list up for a narrow dock: long rows are elided, never scrolled sideways."""
    lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    lst.setTextElideMode(elide)
    lst.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    fit_rows(lst, most)
    return lst


class Section(QWidget):
    """A titled part of the dock that folds: a header with an arrow, its controls below.

    Parameters
    ----------
    title : str
    tooltip : str
        What the section is for (on the header).
    expanded : bool
        Shown unfolded at first.
    """

    def __init__(self, title: str, tooltip: str, expanded: bool = True) -> None:
        super().__init__()
        self.header = QToolButton()
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setToolTip(f"{tooltip} (click to show or hide)")
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.body = QWidget()
        self.column = QVBoxLayout(self.body)
        self.column.setContentsMargins(6, 0, 0, 4)
        self.column.setSpacing(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.header.toggled.connect(self.set_expanded)
        self.set_expanded(expanded)

    def add(self, *widgets: Any) -> Section:
        """Add controls (magicgui or Qt) below the others; return the section."""
        for widget in widgets:
            self.column.addWidget(getattr(widget, "native", widget))
        return self

    @property
    def expanded(self) -> bool:
        """True when the section shows its controls."""
        return self.header.isChecked()

    def set_expanded(self, on: bool) -> None:
        """Unfold (True) or fold the section."""
        if self.header.isChecked() != on:
            self.header.setChecked(on)  # comes back here through toggled
            return
        self.header.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)


def folding_column(owner: QWidget, widgets: Sequence[QWidget]) -> QScrollArea:
    """Lay widgets out top to bottom in a scroll area that fills ``owner``.

    The column is as wide as the dock (its contents elide or wrap) and scrolls only up and
    down, so a docked widget never forces the main window's size.

    Parameters
    ----------
    owner : QWidget
        The widget to fill; it gets the layout and a small minimum size.
    widgets : sequence of QWidget
        The column's contents, from the top; the space left goes below them.

    Returns
    -------
    QScrollArea
        The scroll area holding the column.
    """
    content = QWidget()
    column = QVBoxLayout(content)
    column.setContentsMargins(4, 4, 4, 4)
    column.setSpacing(4)
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(content)
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(area)
    owner.setMinimumSize(120, 120)
    return area
