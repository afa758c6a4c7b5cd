"""Every exposure's session, in the order of the widget's exposure list."""

from __future__ import annotations

from pathlib import Path

from napari_showermask.core.products import Product
from napari_showermask.viewer._qt.exposures import ExposurePanel, exposure_row
from napari_showermask.viewer._qt.store import restored_session
from napari_showermask.viewer.session import MaskingSession


class ExposureSessions:
    """The exposures of a review and the work on each, kept while others are on screen.

    Parameters
    ----------
    panel : ExposurePanel
        Shows the exposures, one row each, the one on screen selected.

    Attributes
    ----------
    sessions : dict of pathlib.Path to MaskingSession
        The session of every exposure opened so far, by product path.
    paths : list of pathlib.Path
        The exposures in the order of the list (opened or only listed).
    """

    def __init__(self, panel: ExposurePanel) -> None:
        self.panel = panel
        self.sessions: dict[Path, MaskingSession] = {}
        self.paths: list[Path] = []

    def session_for(self, product: Product) -> MaskingSession:
        """Return a product's session, restored from its sidecar catalog when new.

        A session kept for another file of that path (its shape differs) is replaced. The
        product is added to the list if it is not in it.
        """
        path = Path(product.path)
        session = self.sessions.get(path)
        if session is None or session.shape != tuple(product.shape):
            session = self.sessions[path] = restored_session(product)
        if path not in self.paths:
            self.paths.append(path)
        return session

    def show(self, current: MaskingSession | None) -> None:
        """Show the list's rows, ``current``'s exposure (if listed) selected."""
        rows = [exposure_row(p, self.sessions.get(p)) for p in self.paths]
        path = current.path if current is not None else None
        self.panel.show_rows(
            rows, self.paths.index(path) if path in self.paths else None, self.paths
        )

    def neighbour(self, step: int, current: MaskingSession | None) -> Path | None:
        """Return the exposure ``step`` rows after ``current``'s (None past either end).

        With no exposure of the list on screen, the first one.
        """
        path = current.path if current is not None else None
        here = next((n for n, p in enumerate(self.paths) if p == path), -step)
        target = here + step
        return self.paths[target] if self.paths and 0 <= target < len(self.paths) else None
