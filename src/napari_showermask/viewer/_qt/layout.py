"""The dock's layout: its panels in one column that scrolls instead of growing the window."""

from __future__ import annotations

from collections.abc import Sequence

from qtpy.QtWidgets import QScrollArea, QVBoxLayout, QWidget


def scrolling_column(owner: QWidget, widgets: Sequence[QWidget]) -> QScrollArea:
    """Lay widgets out top to bottom in a scroll area that fills ``owner``.

    The column keeps its natural height and scrolls, so a docked widget never forces the
    main window's size (a laptop screen can make napari small).

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
    for widget in widgets:
        column.addWidget(widget)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    owner.setMinimumSize(120, 120)
    return scroll
