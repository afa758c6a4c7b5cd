"""The dock's sections in the order of the work: exposure, find, ellipse, marked, check, save."""

from __future__ import annotations

from pathlib import Path

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QHBoxLayout, QLabel, QWidget
from superqt import QElidingLabel

from napari_showermask.core.products import Product
from napari_showermask.viewer._qt.actions import FileActions
from napari_showermask.viewer._qt.exposures import ExposurePanel
from napari_showermask.viewer._qt.layout import Section
from napari_showermask.viewer._qt.panels import (
    CandidatePanel,
    MarkedPanel,
    ShapePanel,
    button_row,
)
from napari_showermask.viewer._qt.ratepanel import PreviewPanel

#: Sections folded at first: the main flow (the others) fits napari's default window.
FOLDED = ("display", "check")


def work_sections(
    files: ExposurePanel,
    candidates: CandidatePanel,
    shape: ShapePanel,
    marked: MarkedPanel,
    preview: PreviewPanel,
    actions: FileActions,
) -> dict[str, Section]:
    """Return the dock's sections, by name, top to bottom, holding the given panels.

    Parameters
    ----------
    files, candidates, shape, marked, preview : panels
        The exposure list, the detector's candidates, the next ellipse's shape (with the
        display sliders), the marked showers (with the Mark button), the rate preview.
    actions : FileActions
        Its save, catalog and quit buttons.

    Returns
    -------
    dict of str to Section
        ``exposures``, ``find``, ``ellipse``, ``marked``, ``display``, ``check``, ``save``.
    """
    titles = {
        "exposures": ("Exposures", "Products under review, one at a time"),
        "find": ("Find showers", "The detector's candidates, to review"),
        "ellipse": ("Current ellipse", "Click the image to place the red ellipse"),
        "marked": ("Marked showers", "The showers masked (green)"),
        "display": ("Display", "Contrast of the image, opacity of the DQ overlay"),
        "check": ("Check: rate preview", "The rate before and after masking, residuals"),
        "save": ("Save", "The masked file and the shower catalogs"),
    }
    parts = {
        name: Section(title, tooltip, expanded=name not in FOLDED)
        for name, (title, tooltip) in titles.items()
    }
    parts["exposures"].add(files)
    parts["find"].add(candidates)
    parts["ellipse"].add(shape, marked.mark_button)
    parts["marked"].add(marked)
    parts["display"].add(shape.display)
    parts["check"].add(preview)
    parts["save"].add(button_row(actions.save_button, actions.quit_button))
    parts["save"].add(button_row(actions.save_catalog_button, actions.load_catalog_button))
    return parts


class ProductLine(QWidget):
    """The dock's first line: the product on screen, its name elided in the middle, its kind.

    Its tooltip is the product's full path. ``text()`` is the whole line.
    """

    def __init__(self, hint: str) -> None:
        super().__init__()
        self.hint = hint
        self.name = QElidingLabel(hint)
        self.name.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.kind = QLabel("")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.kind)
        self.setToolTip(hint)

    def text(self) -> str:
        """Return the whole line (the name not elided)."""
        kind = self.kind.text()
        return f"{self.name.text()}  {kind}" if kind else self.name.text()

    def show_product(self, product: Product | None) -> None:
        """Name the product on screen (None: the hint)."""
        if product is None:
            self.name.setText(self.hint)
            self.kind.setText("")
            self.setToolTip(self.hint)
            return
        shape = "\u00d7".join(map(str, product.shape))
        self.name.setText(Path(product.path).name)
        self.kind.setText(f"{product.kind} {shape}")
        self.setToolTip(f"{product.path}\n{product.kind}, SCI shape {shape}")
