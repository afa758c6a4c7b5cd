"""Make docs/widget.png: a folder of exposures under review in napari, at 1280 x 800.

The folder holds the demo ramp and two more synthetic ramps. On the first exposure one
shower is marked and the masked file saved; on the demo ramp Find Showers proposes
candidates: two are accepted (marked, green where they apply) and the faint one is taken as
the current (red) ellipse to reshape before marking it.

Run under a display (e.g. ``xvfb-run -a python docs/make_screenshot.py``).
"""

import tempfile
import time
from pathlib import Path

import napari
from napari._qt.dialogs.qt_notification import NapariQtNotification
from qtpy.QtWidgets import QApplication

from napari_showermask._widget import launch
from napari_showermask.io.catalog import read_catalog
from napari_showermask.synthetic.demo import write_demo, write_ramp

HERE = Path(__file__).resolve().parent


def settle(seconds: float = 0.5) -> None:
    """Let Qt process events (draw, finish workers) for a while."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def candidate_of(widget, shower) -> int:
    """Row of the candidate closest to a true shower (same integration)."""
    candidates = widget.session.candidates
    rows = [n for n, c in enumerate(candidates) if c.integration == shower.integration]
    return min(
        rows, key=lambda n: (candidates[n].x - shower.x) ** 2 + (candidates[n].y - shower.y) ** 2
    )


def main() -> None:
    """Open the demo, review the detector's candidates, and save a screenshot."""
    directory = Path(tempfile.mkdtemp())
    write_demo(directory)
    for n, seed in [(1, 3), (2, 4)]:
        name = f"jw01234001001_02101_0000{n}_mirimage_jump.fits"
        write_ramp(directory / name, (2, 20, 128, 128), seed=seed)
    widget = launch(None, block=False)
    viewer = widget.viewer
    viewer.window.resize(1280, 800)
    widget.ask = lambda title, text: True
    widget.open_folder(directory)  # jw...00001 first
    settle()
    viewer.dims.current_step = (0, 8, 64, 64)
    widget.place((0, 8, 70.0, 50.0))
    widget.mark()
    worker = widget.save(confirm=False)
    while worker.is_running or widget.session.masked is None:
        settle(0.05)
    widget.next_exposure()
    widget.next_exposure()  # the demo ramp
    settle()
    truth = {s.extra["kind"]: s for s in read_catalog(directory / "miri_showers_demo_truth.ecsv")}
    widget.find_showers()  # the detector, in its worker, as the Find Showers button does
    while widget.detect_worker is not None:
        settle(0.05)
    for kind, action in [("bright", "accept"), ("idle", "accept"), ("faint", "revise")]:
        widget.candidate_panel.list.setCurrentRow(candidate_of(widget, truth[kind]))
        widget.review(action)
    current = widget.session.current  # the faint shower, in integration 0 like the bright one
    viewer.dims.current_step = (current.integration, min(current.group + 2, 29), 128, 128)
    widget.shape_panel.scale.value = 2.0
    viewer.layers.selection.active = widget.image
    viewer.reset_view()
    for toast in viewer.window._qt_window.findChildren(NapariQtNotification):
        toast.close()  # "3 candidates to review": all are reviewed by now
    settle(1.0)
    viewer.screenshot(str(HERE / "widget.png"), canvas_only=False)
    viewer.close()


if __name__ == "__main__":
    main()
    napari.Viewer.close_all()
