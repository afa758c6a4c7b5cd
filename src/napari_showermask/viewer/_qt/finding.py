"""Find Showers: the detector on the product on screen in a worker, its proposals to review."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from napari.qt.threading import GeneratorWorker
from napari.utils.notifications import show_error, show_info

from napari_showermask.detect.detector import DetectionCancelled
from napari_showermask.detect.params import DetectionParams
from napari_showermask.pipeline.task import find_showers
from napari_showermask.viewer._qt.jobs import start_job
from napari_showermask.viewer.session import MaskingSession


def _detect(
    path: Path,
    progress: Callable[[float], None],
    cancelled: Callable[[], bool],
    params: DetectionParams | None = None,
) -> Any:
    """Run the detector on its own handle of the file; None when cancelled."""
    try:
        return find_showers(path, progress=progress, cancelled=cancelled, params=params)
    except DetectionCancelled:
        return None


class ShowerFinder:
    """Run the detector for the session on screen; one run at a time, cancellable.

    Parameters
    ----------
    session : callable
        ``session()``: the session on screen (None: none).
    running : callable
        ``running(bool)``: the detector started or ended (the Find button follows it).
    found : callable
        ``found(session)``: proposals were given to ``session`` (its candidates changed).

    Attributes
    ----------
    worker : GeneratorWorker or None
        The detector's worker while it runs.
    params : DetectionParams
        The tuning Find uses.
    """

    def __init__(
        self,
        session: Callable[[], MaskingSession | None],
        running: Callable[[bool], None],
        found: Callable[[MaskingSession], None],
    ) -> None:
        self.session, self.running, self.found = session, running, found
        self.worker: GeneratorWorker | None = None
        self.params = DetectionParams()
        self._stop = threading.Event()

    def start(self) -> GeneratorWorker | None:
        """Start the detector in a worker with a progress bar; proposals go to the session."""
        session = self.session()
        if session is None or session.kind != "ramp" or session.path is None:
            show_error("Shower detection needs a ramp (_jump or _ramp file).")
            return None
        if self.worker is not None:
            return self.worker
        self._stop.clear()
        worker = start_job(
            _detect,
            session.path,
            params=self.params,
            cancelled=self._stop.is_set,
            desc="Finding showers",
            returned=lambda showers: self._detected(session, showers),
        )
        worker.finished.connect(self._finished)
        self.worker = worker
        self.running(True)
        return worker

    def cancel(self) -> None:
        """Stop a running detection (nothing is proposed)."""
        if self.worker is not None:
            self._stop.set()

    def toggle(self) -> None:
        """Start the detector, or cancel it when it runs (the Find button)."""
        self.start() if self.worker is None else self.cancel()

    def _detected(self, session: MaskingSession, showers: Any) -> None:
        if showers is None:
            show_info("Shower detection cancelled.")
            return
        session.propose(showers)  # kept with its exposure, on screen or not
        show_info(f"{len(showers)} candidate shower(s) to review (cyan).")
        self.found(session)

    def _finished(self) -> None:
        self.worker = None
        self.running(False)
