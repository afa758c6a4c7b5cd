"""File actions of the Shower Masking widget: open, save masked file, catalogs, quit."""

from __future__ import annotations

from pathlib import Path

from napari.qt.threading import GeneratorWorker
from napari.utils.notifications import show_error, show_info
from qtpy.QtWidgets import QFileDialog, QMessageBox

from ._widget_jobs import start_job
from .catalog import read_catalog, write_catalog
from .errors import ShowerMaskError
from .masking import check_showers
from .writer import default_output, write_masked

PLUGIN = "napari-showermask"
CATALOG_FILTER = "Shower catalogs (*.ecsv *.reg)"


class FileActions:
    """Mixin for `ShowerMaskingWidget`: everything that reads or writes files."""

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def open_file(self, path: str | None = None) -> bool:
        """Open a product with this plugin; a bad file gives an error notification only.

        Parameters
        ----------
        path : str, optional
            Asked for with a file dialog when not given.

        Returns
        -------
        bool
            True when the product was opened.
        """
        if self.session is not None and self.session.dirty:
            if not self._ask("Open another file?", "Marked showers are not saved. Go on?"):
                return False
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

    def save(
        self, output: str | Path | None = None, confirm: bool = True
    ) -> GeneratorWorker | None:
        """Write the masked file off the GUI thread, with a progress bar.

        Parameters
        ----------
        output : str or path-like, optional
            Defaults to ``<stem>_showers_masked.fits`` next to the input.
        confirm : bool
            Ask before replacing an existing output (without asking, replace it).

        Returns
        -------
        napari.qt.threading.GeneratorWorker or None
            The running worker; None when there is no product or the user said no.
        """
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
        self.worker = start_job(
            write_masked, source, showers, output, overwrite=True,
            desc=f"Saving {output.name}", returned=lambda path: self._saved(path, showers),
        )  # fmt: skip
        return self.worker

    def _saved(self, path: Path, showers: list) -> None:
        if self.session is not None and self.session.marked == showers:
            self.session.dirty = False  # nothing was marked while saving
        show_info(f"Saved {path} ({len(showers)} shower(s) masked)")

    def _catalog_path(self, dialog, title: str) -> str:
        """Ask for a catalog file name with a Qt file dialog ('' when cancelled)."""
        return dialog(self, title, "", CATALOG_FILTER)[0]

    def save_catalog(self, path: str | Path | None = None) -> Path | None:
        """Write the marked showers as ECSV or DS9 regions (by extension).

        Parameters
        ----------
        path : str or path-like, optional
            ``*.reg`` for DS9 regions, anything else for ECSV; asked for when not given.

        Returns
        -------
        pathlib.Path or None
            The file written; None when cancelled or not writable (with a notification).
        """
        if self.session is None:
            return None
        path = path or self._catalog_path(QFileDialog.getSaveFileName, "Save showers")
        if not path:
            return None
        try:
            written = write_catalog(self.session.marked, path, overwrite=True)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return None
        self.session.dirty = False  # the marked showers are kept in the catalog
        show_info(f"Saved {len(self.session.marked)} shower(s) to {written}")
        return written

    def load_catalog(self, path: str | Path | None = None) -> bool:
        """Replace the marked showers by a catalog's (ECSV or DS9 regions).

        Parameters
        ----------
        path : str or path-like, optional
            Asked for when not given.

        Returns
        -------
        bool
            True when loaded; a bad catalog gives an error notification and changes nothing.
        """
        if self.session is None:
            return False
        path = path or self._catalog_path(QFileDialog.getOpenFileName, "Load showers")
        if not path:
            return False
        try:
            showers = read_catalog(path)
            check_showers(showers, self.session.kind, self.session.shape, path)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return False
        self.session.load(showers)
        self._list()
        self._sync_buttons()
        self.refresh()
        return True

    def quit(self, confirm: bool = True) -> bool:
        """Close the viewer, asking first when marked showers are not saved.

        Parameters
        ----------
        confirm : bool
            Ask (a Yes/No dialog) when marked showers are not saved.

        Returns
        -------
        bool
            True when the viewer was closed.
        """
        if (
            confirm
            and self.session is not None
            and self.session.dirty
            and not self._ask("Quit?", "Marked showers are not saved. Quit anyway?")
        ):
            return False
        self.viewer.layers.clear()  # closes the products' files
        self.viewer.close()
        return True
