"""The exposure list of the Shower Masking widget: files, their marks, Next/Previous."""

from __future__ import annotations

from pathlib import Path

from magicgui.widgets import PushButton
from qtpy.QtWidgets import QListWidget, QVBoxLayout, QWidget

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import product_kind
from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path
from napari_showermask.viewer._qt.layout import fit_rows, narrow_list, tip
from napari_showermask.viewer._qt.panels import button_row
from napari_showermask.viewer.session import MaskingSession

PATTERNS = ("*.fits", "*.fit", "*.fits.gz")


def products_in(folder: str | Path) -> list[Path]:
    """Return the ramp, rate and rateints products of a folder, sorted, without masked outputs."""
    found = sorted({p for pattern in PATTERNS for p in Path(folder).glob(pattern)})
    products = [p for p in found if product_kind(p) is not None]
    outputs = {default_output(p) for p in products}
    return [p for p in products if p not in outputs]


def _kept(path: Path) -> list | None:
    try:
        return read_catalog(path) if path.is_file() else None
    except ShowerMaskError:
        return None


def exposure_row(path: Path, session: MaskingSession | None) -> str:
    """Return the two-line list entry of an exposure: name; showers and masked-file state.

    Parameters
    ----------
    path : pathlib.Path
        The product.
    session : MaskingSession or None
        Its session if it was opened; otherwise its sidecar catalog is read.
    """
    if session is not None:
        marked, masked = session.marked, session.masked
        unsaved = "  (not saved!)" if session.dirty else ""
    else:
        marked, unsaved = _kept(sidecar_path(path)) or [], ""
        output = default_output(path)
        masked = _kept(sidecar_path(output)) if output.is_file() else None
    if masked is None:
        state = "not masked"
    else:
        state = "masked, up to date" if masked == marked else "masked, OUT OF DATE"
    return f"{path.name}\n    {len(marked)} shower(s), {state}{unsaved}"


class ExposurePanel(QWidget):
    """Open, Previous and Next buttons and the exposure list (full paths as tooltips)."""

    def __init__(self) -> None:
        super().__init__()
        self.open_button = PushButton(text="Open...")
        self.folder_button = PushButton(text="Folder...")
        self.previous_button = PushButton(text="< Prev")
        self.next_button = PushButton(text="Next >")
        self.list = narrow_list(QListWidget(), most=3)
        tip(self.open_button, "Open one or more JWST _jump, _rate or _rateints files.")
        tip(self.folder_button, "List every JWST product of a folder (masked outputs left out).")
        tip(self.previous_button, "Show the previous exposure of the list (PageUp).")
        tip(self.next_button, "Show the next exposure of the list (PageDown).")
        tip(
            self.list, "Exposures under review: showers marked, masked file state. Select to show."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        buttons = (self.open_button, self.folder_button, self.previous_button, self.next_button)
        layout.addWidget(button_row(*buttons))
        layout.addWidget(self.list)

    def show_rows(
        self, rows: list[str], current: int | None, paths: list[Path] | None = None
    ) -> None:
        """Show the exposures (``paths``: each row's tooltip), the current one selected."""
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(rows)
        for n, path in enumerate(paths or []):
            item = self.list.item(n)
            if item is not None:
                item.setToolTip(str(path))
        if current is not None:
            self.list.setCurrentRow(current)
        self.list.blockSignals(False)
        fit_rows(self.list, most=3)
