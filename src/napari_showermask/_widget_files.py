"""File actions of the Shower Masking widget: open, save masked file, catalogs, quit."""

from __future__ import annotations

from pathlib import Path

from napari.qt.threading import create_worker
from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QFileDialog, QMessageBox

from .catalog import read_catalog, write_catalog
from .errors import ShowerMaskError
from .writer import default_output, write_masked

PLUGIN = "napari-showermask"
CATALOG_FILTER = "Shower catalogs (*.ecsv *.reg)"


class FileActions:
    """Mixin for `ShowerMaskingWidget`: everything that reads or writes files."""

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def open_file(self, path: str | None = None) -> bool:
        """Open a product with this plugin; a bad file gives an error notification only."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open JWST product", "", "FITS (*.fits *.fit *.fits.gz)"
            )
            if not path:
                return False
        try:
            self.viewer.open(path, plugin=PLUGIN)
        except Exception as exc:  # napari wraps reader errors
            cause = exc.__cause__ if isinstance(exc.__cause__, ShowerMaskError) else exc
            show_error(str(cause).splitlines()[0])
            return False
        return True

    def save(self, output: str | Path | None = None, confirm: bool = True):
        """Write the masked file off the GUI thread; return the worker (None if nothing)."""
        if self.session is None:
            return None
        source = self.image.data.product.path
        output = Path(output) if output else default_output(source)
        if (
            output.exists()
            and confirm
            and not self._ask("Replace masked file?", f"{output} exists. Replace it?")
        ):
            return None
        showers = list(self.session.marked)
        self.worker = create_worker(
            write_masked,
            source,
            showers,
            output,
            overwrite=True,
            _progress={"total": 0, "desc": f"Saving {output.name}"},
        )
        self.worker.returned.connect(lambda path: self._saved(path, len(showers)))
        self.worker.errored.connect(lambda exc: show_error(str(exc)))
        self.worker.start()
        return self.worker

    def _saved(self, path: Path, count: int) -> None:
        self.session.dirty = False
        show_info(f"Saved {path} ({count} shower(s) masked)")

    def _catalog_path(self, dialog, title: str) -> str:
        """Ask for a catalog file name with a Qt file dialog ('' when cancelled)."""
        return dialog(self, title, "", CATALOG_FILTER)[0]

    def save_catalog(self, path: str | Path | None = None) -> Path | None:
        """Write the marked showers as ECSV or DS9 regions (by extension)."""
        if self.session is None:
            return None
        path = path or self._catalog_path(QFileDialog.getSaveFileName, "Save showers")
        if not path:
            return None
        try:
            return write_catalog(self.session.marked, path, overwrite=True)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return None

    def load_catalog(self, path: str | Path | None = None) -> bool:
        """Replace the marked showers by a catalog's (ECSV or DS9 regions)."""
        if self.session is None:
            return False
        path = path or self._catalog_path(QFileDialog.getOpenFileName, "Load showers")
        if not path:
            return False
        try:
            showers = read_catalog(path)
            from .masking import check_showers

            check_showers(showers, self.session.kind, self.session.shape, path)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return False
        self.session.load(showers)
        self._list()
        self.refresh()
        return True

    def quit(self, confirm: bool = True) -> bool:
        """Close the viewer, asking first when marked showers are not saved."""
        if (
            confirm
            and self.session is not None
            and self.session.dirty
            and not self._ask("Quit?", "Marked showers are not saved. Quit anyway?")
        ):
            return False
        self.viewer.close()
        return True
