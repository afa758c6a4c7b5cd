"""File actions of the Shower Masking widget: open, exposures, save, catalogs, find, quit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magicgui.widgets import PushButton
from napari.qt.threading import GeneratorWorker
from napari.utils.notifications import show_error, show_info
from qtpy.QtCore import QEventLoop, QTimer
from qtpy.QtWidgets import QApplication, QFileDialog

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import check_showers
from napari_showermask.io.catalog import read_catalog, write_catalog
from napari_showermask.io.masked import default_output, write_masked
from napari_showermask.io.paths import check_output, sidecar_path
from napari_showermask.viewer._qt.exposures import products_in
from napari_showermask.viewer._qt.jobs import start_job
from napari_showermask.viewer._qt.layout import tip
from napari_showermask.viewer._qt.store import keep, record_masked
from napari_showermask.viewer.session import MaskingSession

if TYPE_CHECKING:
    from napari_showermask.viewer._qt.dock import ShowerMaskingWidget

PLUGIN = "napari-showermask"
CATALOG_FILTER = "Shower catalogs (*.ecsv *.reg)"
FITS_FILTER = "FITS (*.fits *.fit *.fits.gz)"


def _first_line(exc: BaseException) -> str:
    cause = exc.__cause__ if isinstance(exc.__cause__, ShowerMaskError) else exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


class FileActions:
    """The buttons and actions that read or write files, for one widget.

    Parameters
    ----------
    widget : ShowerMaskingWidget
    """

    def __init__(self, widget: ShowerMaskingWidget) -> None:
        self.widget = widget
        self.save_button = PushButton(text="Save Masked File")
        self.save_catalog_button = PushButton(text="Save Catalog...")
        self.load_catalog_button = PushButton(text="Load Catalog...")
        self.quit_button = PushButton(text="Quit")
        tip(self.save_button, "Write <name>_showers_masked.fits next to the product.")
        tip(self.save_catalog_button, "Write the marked showers as ECSV or DS9 regions (.reg).")
        tip(self.load_catalog_button, "Replace the marked showers by a catalog's (undoable).")
        tip(self.quit_button, "Close the products' layers and this dock (asks if unsaved).")
        self.save_button.clicked.connect(lambda: self.save())
        self.save_catalog_button.clicked.connect(lambda: self.save_catalog())
        self.load_catalog_button.clicked.connect(lambda: self.load_catalog())
        self.quit_button.clicked.connect(lambda: self.quit())

    def buttons(self) -> list[PushButton]:
        """Return the catalog and quit buttons, in display order."""
        return [self.save_catalog_button, self.load_catalog_button, self.quit_button]

    @property
    def session(self) -> MaskingSession | None:
        """The session on screen."""
        return self.widget.session

    # opening ---------------------------------------------------------------------------
    def open_dialog(self) -> bool:
        """Ask for one or more products and open them as exposures."""
        paths, _ = QFileDialog.getOpenFileNames(self.widget, "Open JWST products", "", FITS_FILTER)
        return self.open_files(paths) if paths else False

    def folder_dialog(self) -> bool:
        """Ask for a folder and list its products as exposures."""
        folder = QFileDialog.getExistingDirectory(self.widget, "Open a folder of products")
        return self.open_folder(folder) if folder else False

    def open_folder(self, folder: str | Path) -> bool:
        """List a folder's products (masked outputs left out) and show the first."""
        paths = products_in(folder)
        if not paths:
            show_error(f"{folder}: no JWST ramp, rate or rateints product")
            return False
        return self.open_files(paths)

    def open_files(self, paths: Sequence[str | Path]) -> bool:
        """Add products to the exposure list and show the first of them."""
        chosen = [Path(p) for p in paths]
        for path in chosen:
            if path not in self.widget.paths:
                self.widget.paths.append(path)
        self.widget.exposures.show(self.widget.session)
        return self.show_exposure(chosen[0])

    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a product in place of the one on screen; a bad file gives a notification."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.widget, "Open JWST product", "", FITS_FILTER
            )
            if not path:
                return False
        return self.show_exposure(path)

    def show_exposure(self, path: str | Path) -> bool:
        """Show a product: the one on screen is closed (its work kept), this one opened."""
        widget, path = self.widget, Path(path)
        if widget.same_product(path):
            return True
        session, binding = widget.session, widget.binding
        if binding is not None and session is not None:
            if session.dirty and not widget.ask(
                "Leave this exposure?",
                f"{len(session.marked)} marked shower(s) of {binding.product.path.name} could "
                "not be saved to its catalog. Leave it anyway (they stay in this session)?",
            ):
                return False
            layers = binding.product_layers()
            widget.follower.unbind()
            for layer in layers:
                if layer in widget.viewer.layers:
                    widget.viewer.layers.remove(layer)
            # Let the canvas repaint without them before new layers arrive: adding layers
            # can repaint synchronously (dims sliders), and drawing right after removals
            # crashed OpenGL (Mesa llvmpipe) in glDrawArrays.
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            widget.viewer.open(str(path), plugin=PLUGIN)
        except Exception as exc:  # napari wraps reader errors
            show_error(_first_line(exc))
            widget.follower.adopt()
            return False
        widget.follower.adopt()
        return widget.same_product(path)

    # saving ----------------------------------------------------------------------------
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
        GeneratorWorker or None
            The running worker; None when there is no product, the user said no, or the
            output cannot be written (a notification says why).
        """
        session = self.session
        if session is None or session.path is None:
            return None
        source = session.path
        output = Path(output) if output else default_output(source)
        inputs = [source, sidecar_path(source)]
        if output.exists() and confirm:
            if not self.widget.ask("Replace masked file?", f"{output} exists. Replace it?"):
                return None
        try:
            check_output(output, inputs, overwrite=True)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return None
        showers = list(session.marked)
        self.widget.worker = start_job(
            write_masked,
            source,
            showers,
            output,
            overwrite=True,
            inputs=inputs,
            desc=f"Saving {output.name}",
            returned=lambda path: self._saved(session, path, showers),
        )
        return self.widget.worker

    def _saved(self, session: MaskingSession, path: Path, showers: list) -> None:
        record_masked(session, Path(path), showers)
        if not showers:  # reviewed, none: the sidecar says so (an empty catalog)
            keep(session, reviewed=True)
        # a notification shows its first line: what happened first, the path below it
        show_info(f"Masked file saved ({len(showers)} shower(s) masked):\n{path}")

    def _catalog_path(self, dialog: Any, title: str) -> str:
        return dialog(self.widget, title, "", CATALOG_FILTER)[0]

    def save_catalog(self, path: str | Path | None = None, confirm: bool = True) -> Path | None:
        """Write the marked showers as ECSV or DS9 regions (``.reg``); never over the product.

        Returns
        -------
        pathlib.Path or None
            The file written; None when cancelled or refused (with a notification).
        """
        session = self.session
        if session is None or session.path is None:
            return None
        if not path:
            path = self._catalog_path(QFileDialog.getSaveFileName, "Save showers")
            confirm = False  # the dialog asked about replacing
        if not path:
            return None
        path = Path(path)
        try:
            check_output(path, [session.path], overwrite=True)
            if (
                path.exists()
                and confirm
                and not self.widget.ask("Replace catalog?", f"{path} exists. Replace it?")
            ):
                return None
            written = write_catalog(session.marked, path, overwrite=True, inputs=[session.path])
        except ShowerMaskError as exc:
            show_error(str(exc))
            return None
        show_info(f"Catalog saved ({len(session.marked)} shower(s)):\n{written}")
        return written

    def load_catalog(self, path: str | Path | None = None) -> bool:
        """Replace the marked showers by a catalog's (undoable; asks first if any).

        Returns
        -------
        bool
            True when loaded; a bad catalog gives a notification and changes nothing.
        """
        session = self.session
        if session is None:
            return False
        path = path or self._catalog_path(QFileDialog.getOpenFileName, "Load showers")
        if not path:
            return False
        try:
            showers = read_catalog(path)
            check_showers(showers, session.kind, session.shape, path)
        except ShowerMaskError as exc:
            show_error(str(exc))
            return False
        if session.marked and not self.widget.ask(
            "Replace marked showers?",
            f"Replace the {len(session.marked)} marked shower(s) by the {len(showers)} of "
            f"{Path(path).name}? (Undo brings them back.)",
        ):
            return False
        session.load(showers)
        return True

    # quitting --------------------------------------------------------------------------
    def quit(self, confirm: bool = True) -> bool:
        """Close the products' layers and the dock widget, asking first if work is unsaved.

        napari itself is closed only when `launch` opened it for this widget.
        """
        widget = self.widget
        unsaved = [s for s in widget.sessions.values() if s.dirty]
        if (
            unsaved
            and confirm
            and not widget.ask(
                "Quit?",
                f"Marked showers of {len(unsaved)} exposure(s) are not saved. Quit anyway?",
            )
        ):
            return False
        widget.cancel_find()
        binding = widget.binding
        layers = binding.product_layers() if binding is not None else []
        widget.follower.unbind()
        widget.disconnect_viewer()
        viewer = widget.viewer
        for layer in layers:
            if layer in viewer.layers:
                viewer.layers.remove(layer)
        for layer in list(viewer.layers):
            product = getattr(getattr(layer, "data", None), "product", None)
            if product is not None and product.path in widget.sessions:
                viewer.layers.remove(layer)
        if widget.owns_viewer:
            QTimer.singleShot(0, viewer.close)
        else:
            dock = widget.dock()
            if dock is not None:
                viewer.window.remove_dock_widget(dock)
        return True
