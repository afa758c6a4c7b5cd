"""Detection in the Shower Masking widget: run the detector off the GUI thread, review."""

from __future__ import annotations

import threading
from collections.abc import Callable

from napari.qt.threading import GeneratorWorker
from napari.utils.notifications import show_error, show_info

from ._widget_jobs import start_job
from .detection import DetectionCancelled, detect_showers

CANDIDATE_COLOR = "cyan"


def _detect(product, progress: Callable[[float], None], cancelled: Callable[[], bool]):
    """Run the detector; None when it was cancelled."""
    try:
        return detect_showers(product, progress=progress, cancelled=cancelled)
    except DetectionCancelled:
        return None


class DetectionActions:
    """Mixin for `ShowerMaskingWidget`: find candidate showers and review them."""

    def find_showers(self) -> GeneratorWorker | None:
        """Start the detector in a worker with a progress bar.

        Returns
        -------
        napari.qt.threading.GeneratorWorker or None
            The running worker (the same one if already running); None for a product that
            is not a ramp.
        """
        if self.session is None or self.session.kind != "ramp":
            show_error("Shower detection needs a ramp (_jump or _ramp file).")
            return None
        if self.detect_worker is not None:
            return self.detect_worker
        self._stop = threading.Event()
        worker = start_job(
            _detect, self.image.data.product, cancelled=self._stop.is_set,
            desc="Finding showers", returned=self._detected,
        )  # fmt: skip
        worker.finished.connect(self._detect_finished)
        self.detect_worker = worker
        self.find_button.text = "Cancel Finding"
        return worker

    def cancel_find(self) -> None:
        """Stop a running detection (nothing is proposed)."""
        if self.detect_worker is not None:
            self._stop.set()

    def _toggle_find(self) -> None:
        if self.detect_worker is None:
            self.find_showers()
        else:
            self.cancel_find()

    def _detected(self, showers) -> None:
        if self.session is None:
            return  # the product was closed meanwhile
        if showers is None:
            show_info("Shower detection cancelled.")
            return
        self.session.propose(showers)
        self._list_candidates()
        self.refresh()
        show_info(f"{len(showers)} candidate shower(s) to review (cyan).")

    def _detect_finished(self) -> None:
        self.detect_worker = None
        self.find_button.text = "Find Showers"

    def _list_candidates(self) -> None:
        self.candidates.clear()
        for s in self.session.candidates:
            self.candidates.addItem(
                f"int {s.integration} grp {s.group}  x={s.x:.1f} y={s.y:.1f}  "
                f"score {s.extra.get('score', 0):.0f}"
            )

    def _candidate_action(self, action: str) -> None:
        row = self.candidates.currentRow()
        if self.session is None or not 0 <= row < len(self.session.candidates):
            return
        getattr(self.session, action)(row)
        if action == "revise":
            self._sync_sliders()
            self._sync_buttons()
        self._list_candidates()
        self._list()
        self.refresh()
