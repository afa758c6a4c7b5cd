"""Detection in the Shower Masking widget: run the detector off the GUI thread, review."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from napari.qt.threading import create_worker
from napari.utils import progress
from napari.utils.notifications import show_error, show_info

from .detection import DetectionCancelled, detect_showers

CANDIDATE_COLOR = "cyan"


def _detection_job(product, stop: threading.Event):
    """Run the detector in a thread; yield its progress (0-1); return its showers."""
    done = [0.0]
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(
            detect_showers, product, progress=lambda f: done.__setitem__(0, f),
            cancelled=stop.is_set,
        )  # fmt: skip
        while not future.done():
            time.sleep(0.05)
            yield done[0]
        try:
            return future.result()
        except DetectionCancelled:
            return None


class DetectionActions:
    """Mixin for `ShowerMaskingWidget`: find candidate showers and review them."""

    def find_showers(self):
        """Start the detector in a worker with a progress bar; return the worker."""
        if self.session is None or self.session.kind != "ramp":
            show_error("Shower detection needs a ramp (_jump or _ramp file).")
            return None
        if self.detect_worker is not None:
            return self.detect_worker
        self._stop = threading.Event()
        self._bar = progress(total=100, desc="Finding showers")
        worker = create_worker(_detection_job, self.image.data.product, self._stop)
        worker.yielded.connect(self._detect_progress)
        worker.returned.connect(self._detected)
        worker.errored.connect(lambda exc: show_error(str(exc)))
        worker.finished.connect(self._detect_finished)
        self.detect_worker = worker
        self.find_button.text = "Cancel Finding"
        worker.start()
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

    def _detect_progress(self, fraction: float) -> None:
        self._bar.update(int(100 * fraction) - self._bar.n)

    def _detected(self, showers) -> None:
        if showers is None:
            show_info("Shower detection cancelled.")
            return
        self.session.propose(showers)
        self._list_candidates()
        self.refresh()
        show_info(f"{len(showers)} candidate shower(s) to review (cyan).")

    def _detect_finished(self) -> None:
        self._bar.close()
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
        self._list_candidates()
        self._list()
        self.refresh()
