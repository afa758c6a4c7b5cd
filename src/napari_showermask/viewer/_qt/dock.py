"""The Shower Masking dock widget: wires its panels, file actions, viewer follower and canvas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import napari
from qtpy.QtWidgets import QDockWidget, QMessageBox, QWidget

from napari_showermask.core.shower import Shower
from napari_showermask.io.paths import same_file
from napari_showermask.viewer import glprograms as _glprograms
from napari_showermask.viewer._qt.actions import FileActions
from napari_showermask.viewer._qt.binding import ProductBinding
from napari_showermask.viewer._qt.canvas import CanvasTools
from napari_showermask.viewer._qt.exposures import ExposurePanel
from napari_showermask.viewer._qt.finding import ShowerFinder
from napari_showermask.viewer._qt.follower import ProductFollower
from napari_showermask.viewer._qt.layout import folding_column
from napari_showermask.viewer._qt.opened import ExposureSessions
from napari_showermask.viewer._qt.overlapping import Chooser, ask_overlap, overlap_choice
from napari_showermask.viewer._qt.panels import (
    CandidatePanel,
    MarkedPanel,
    ShapePanel,
    connect_rows,
)
from napari_showermask.viewer._qt.ratepanel import PreviewPanel
from napari_showermask.viewer._qt.sections import ProductLine, work_sections
from napari_showermask.viewer.session import MaskingSession

HINT = "Open a JWST _jump, _rate or _rateints file."
KEYS = {"PageDown": "next_exposure", "PageUp": "previous_exposure"}
KEYS |= {"Control-Z": "undo", "Control-Shift-Z": "redo"}


class ShowerMaskingWidget(QWidget):
    """Mark showers on JWST products open in napari and save the masked files.

    Parameters
    ----------
    napari_viewer : napari.viewer.Viewer
        The viewer; the widget binds to the newest product opened there with this plugin.

    Attributes
    ----------
    follower : ProductFollower
        Holds ``session`` and ``binding``, the product on screen; ``canvas`` the mouse.
    exposures : ExposureSessions
        Every exposure's session (``sessions``), in the list's order (``paths``).
    ask : callable
        ``ask(title, text) -> bool``: the Yes/No question before anything is dropped.
    owns_viewer : bool
        Quit closes napari too (set by `launch`).
    """

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        _glprograms.install()  # see that module: layer removal must not crash napari
        self.viewer = napari_viewer
        self.owns_viewer = False
        self.ask: Callable[[str, str], bool] = self._question
        self.choose: Chooser = ask_overlap(self)
        self.worker: Any = None
        self._closed = False
        self.status = ProductLine(HINT)
        self.files = ExposurePanel()
        self.exposures = ExposureSessions(self.files)
        self.sessions, self.paths = self.exposures.sessions, self.exposures.paths
        self.shape_panel = ShapePanel()
        self.marked_panel = MarkedPanel()
        self.candidate_panel = CandidatePanel()
        self.preview_panel = PreviewPanel(self)
        self.file_actions = FileActions(self)
        self.finder = ShowerFinder(
            lambda: self.session, self.candidate_panel.running, self._candidates_found
        )
        panels = (self.files, self.candidate_panel, self.shape_panel, self.marked_panel)
        self.sections = work_sections(*panels, self.preview_panel, self.file_actions)
        self.column = folding_column(self, [self.status, *self.sections.values()])
        self._connect()
        self.follower = ProductFollower(
            napari_viewer,
            self.exposures,
            self.shape_panel,
            on_session=self._show_session,
            on_current_edited=self._current_edited,
        )
        self.canvas = CanvasTools(napari_viewer, self.follower)
        self.destroyed.connect(lambda *args, this=self: this.disconnect_viewer())
        self.follower.adopt()

    # layout and wiring ---------------------------------------------------------------------
    def _connect(self) -> None:
        marked, found, files = self.marked_panel, self.candidate_panel, self.files
        marked.mark_button.clicked.connect(self.mark)
        marked.edit_button.clicked.connect(lambda: self.edit(marked.list.currentRow()))
        marked.delete_button.clicked.connect(lambda: self.delete(marked.list.currentRow()))
        marked.undo_button.clicked.connect(self.undo)
        marked.redo_button.clicked.connect(self.redo)
        connect_rows(marked.list, self.go_to)
        found.find_button.clicked.connect(self.finder.toggle)
        for name in ("accept", "revise", "reject"):
            button = getattr(found, f"{name}_button")
            button.clicked.connect(lambda *args, name=name: self.review(name))
        connect_rows(found.list, lambda row: self.go_to(row, self._candidates()))
        files.open_button.clicked.connect(lambda: self.file_actions.open_dialog())
        files.folder_button.clicked.connect(lambda: self.file_actions.folder_dialog())
        files.previous_button.clicked.connect(self.previous_exposure)
        files.next_button.clicked.connect(self.next_exposure)
        connect_rows(files.list, self._pick_exposure)
        viewer = self.viewer
        for key, method in KEYS.items():
            viewer.bind_key(key, lambda v, method=method: getattr(self, method)(), overwrite=True)

    def disconnect_viewer(self) -> None:
        """Stop following the viewer (its events, mouse callbacks and key bindings)."""
        if self._closed:
            return
        self._closed = True
        self.follower.disconnect()
        self.canvas.disconnect()
        for key in KEYS:
            self.viewer.bind_key(key, None)

    # the product on screen ---------------------------------------------------------------
    @property
    def session(self) -> MaskingSession | None:
        """The work on the product on screen (None: none); ``sessions`` keeps all."""
        return self.follower.session

    @property
    def binding(self) -> ProductBinding | None:
        """The product's layers and the widget's overlays (None: no product)."""
        return self.follower.binding

    def _show_session(self, session: MaskingSession | None) -> None:
        """Show the product now on screen (None: none) in the panels and the status line."""
        for panel in (self.shape_panel, self.marked_panel, self.candidate_panel):
            panel.set_session(session)
        self.preview_panel.set_session(session)  # after the binding: it adds a layer
        self.exposures.show(self.session)
        self.status.show_product(self.binding.product if self.binding and session else None)

    def _current_edited(self, layer: napari.layers.Shapes, event: Any) -> None:
        self.canvas.current_edited(layer, event)

    def place(self, position: Sequence[float]) -> Shower | None:
        """Put the current (red) ellipse at a world position on the slice on screen."""
        return self.canvas.place(position)

    # marked showers ---------------------------------------------------------------------
    def mark(self) -> Shower | None:
        """Mark the current ellipse (or store the one being edited); kept in the sidecar.

        Over a marked shower, ``choose`` is asked: keep both, replace it, or cancel (None).
        """
        session = self.session
        overlap = overlap_choice(session, session.current, self.choose) if session else None
        return session.mark(overlap) if session is not None and overlap else None

    def edit(self, row: int) -> None:
        """Make a marked shower the current ellipse; Update Shower stores the change."""
        if self.session is not None and 0 <= row < len(self.session.marked):
            self.go_to(row)
            self.session.edit(row)

    def delete(self, row: int) -> None:
        """Remove a marked shower."""
        if self.session is not None and 0 <= row < len(self.session.marked):
            self.session.delete(row)

    def undo(self) -> None:
        """Undo the last change of the marked showers or candidates."""
        if self.session is not None:
            self.session.undo()

    def redo(self) -> None:
        """Redo what was undone."""
        if self.session is not None:
            self.session.redo()

    def go_to(self, row: int, showers: Sequence[Shower] | None = None) -> None:
        """Show a marked shower (or one of ``showers``) on its integration and first group."""
        if showers is None:
            showers = self.session.marked if self.session is not None else []
        if 0 <= row < len(showers):
            self.follower.go_to(showers[row])

    def _candidates(self) -> list[Shower]:
        return self.session.candidates if self.session is not None else []

    def review(self, action: str) -> None:
        """Accept, revise (edit) or reject the selected candidate."""
        row, session = self.candidate_panel.list.currentRow(), self.session
        if session is None or not 0 <= row < len(session.candidates):
            return
        if action != "accept":
            getattr(session, action)(row)
        elif overlap := overlap_choice(session, session.candidates[row], self.choose):
            session.accept(row, overlap)

    # detection ---------------------------------------------------------------------------
    @property
    def detect_worker(self) -> Any:
        """The detector's worker while it runs (None otherwise)."""
        return self.finder.worker

    def find_showers(self) -> Any:
        """Start the detector on the product in a worker (it opens the file itself)."""
        return self.finder.start()

    def cancel_find(self) -> None:
        """Stop a running detection (nothing is proposed)."""
        self.finder.cancel()

    def _candidates_found(self, session: MaskingSession) -> None:
        """Unfold the candidates and scroll them into view (their exposure on screen)."""
        if session is self.session:
            self.sections["find"].set_expanded(True)
            self.follower.later(self._show_candidates)  # once the column is laid out again

    def _show_candidates(self) -> None:
        self.column.ensureWidgetVisible(self.candidate_panel.find_button.native, 0, 0)
        self.column.ensureWidgetVisible(self.candidate_panel.list, 0, 0)

    # exposures ---------------------------------------------------------------------------
    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a product in place of the one on screen (asked for when not given)."""
        return self.file_actions.open_file(path)

    def open_files(self, paths: Sequence[str | Path]) -> bool:
        """Add products to the exposure list and show the first of them."""
        return self.file_actions.open_files(list(paths))

    def open_folder(self, folder: str | Path) -> bool:
        """List a folder's products as exposures (masked outputs left out); show the first."""
        return self.file_actions.open_folder(folder)

    def show_exposure(self, path: str | Path) -> bool:
        """Show an exposure: its product replaces the one on screen; work is kept."""
        return self.file_actions.show_exposure(path)

    def _pick_exposure(self, row: int) -> None:
        if 0 <= row < len(self.paths) and not self.show_exposure(self.paths[row]):
            self.exposures.show(self.session)

    def _step_exposure(self, step: int) -> bool:
        path = self.exposures.neighbour(step, self.session)
        return path is not None and self.show_exposure(path)

    def next_exposure(self) -> bool:
        """Show the next exposure of the list (PageDown)."""
        return self._step_exposure(1)

    def previous_exposure(self) -> bool:
        """Show the previous exposure of the list (PageUp)."""
        return self._step_exposure(-1)

    # files ---------------------------------------------------------------------------------
    def save(self, output: str | Path | None = None, confirm: bool = True) -> Any:
        """Write the masked file in a worker (see `FileActions.save`)."""
        return self.file_actions.save(output, confirm)

    def save_catalog(self, path: str | Path | None = None, confirm: bool = True) -> Path | None:
        """Write the marked showers as ECSV or DS9 regions (see `FileActions.save_catalog`)."""
        return self.file_actions.save_catalog(path, confirm)

    def load_catalog(self, path: str | Path | None = None) -> bool:
        """Replace the marked showers by a catalog's, undoably (asks first if any)."""
        return self.file_actions.load_catalog(path)

    def quit(self, confirm: bool = True) -> bool:
        """Close the products' layers and this widget (and napari if `launch` opened it)."""
        return self.file_actions.quit(confirm)

    def _question(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def dock(self) -> QDockWidget | None:
        """Return the dock widget holding this widget, if docked."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QDockWidget):
            parent = parent.parentWidget()
        return parent

    def same_product(self, path: str | Path) -> bool:
        """Tell whether the product on screen is the file ``path``."""
        return self.binding is not None and same_file(self.binding.product.path, path)

    # layers for tests and scripts ------------------------------------------------------
    @property
    def image(self) -> Any:
        """The product's difference layer (None when not bound)."""
        return self.binding.image if self.binding else None

    @property
    def current_layer(self) -> Any:
        """The current-ellipse overlay (None when not bound or not added yet)."""
        return self.binding.current_layer if self.binding else None

    @property
    def candidate_layer(self) -> Any:
        """The candidates overlay."""
        return self.binding.candidate_layer if self.binding else None

    @property
    def marked_layer(self) -> Any:
        """The product's ``<stem> showers`` layer."""
        return self.binding.showers if self.binding else None
