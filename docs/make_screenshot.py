"""Make docs/widget.png: the demo ramp in napari with candidates, a marked shower, an ellipse.

Candidates from Find Showers are cyan, the accepted shower green, the current ellipse red.

Run under a display (e.g. ``xvfb-run -a python docs/make_screenshot.py``).
"""

import tempfile
import time
from pathlib import Path

import napari
from qtpy.QtWidgets import QApplication

from napari_showermask._widget import launch
from napari_showermask.catalog import read_catalog
from napari_showermask.synthetic import write_demo

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Open the demo, mark its showers, place a current ellipse, and save a screenshot."""
    directory = Path(tempfile.mkdtemp())
    path = write_demo(directory)
    widget = launch(str(path), block=False)
    viewer = widget.viewer
    viewer.window._qt_window.resize(1500, 950)
    truth = read_catalog(directory / "miri_showers_demo_truth.ecsv")
    faint = next(s for s in truth if s.extra["kind"] == "faint")
    widget.find_showers()  # the detector, in its worker, as the Find Showers button does
    while widget.detect_worker is not None:
        QApplication.processEvents()
        time.sleep(0.05)
    widget.candidates.setCurrentRow(0)  # the bright shower, highest score
    widget._candidate_action("accept")
    viewer.dims.current_step = (0, faint.group, 128, 128)
    widget.major.value, widget.minor.value, widget.theta.value = (
        faint.semi_major, faint.semi_minor, faint.theta,
    )  # fmt: skip
    widget.place((0, faint.group, faint.y, faint.x))
    widget.scale.value = 2.0
    viewer.reset_view()
    for _ in range(30):
        QApplication.processEvents()
    viewer.screenshot(str(HERE / "widget.png"), canvas_only=False)
    viewer.close()


if __name__ == "__main__":
    main()
    napari.Viewer.close_all()
