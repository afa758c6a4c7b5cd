"""Make docs/images/stage-<name>.png: one review in napari at 1280 x 800, stage by stage.

A folder holds the demo ramp and two more synthetic ramps. The stages:
``opened`` (the demo ramp on screen, the dock in the order of the work), ``candidates``
(Find Showers proposed them, the list in view), ``marked`` (two candidates accepted, green;
the faint one taken as the current red ellipse and reshaped), ``preview-before`` and
``preview-after`` (the rate of integration 0 before and after masking, the canvas saying
which), ``saved`` (the masked file written, its notification shown).

Run under a display: ``xvfb-run -a python docs/make_screenshot.py``.
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

IMAGES = Path(__file__).resolve().parent / "images"


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


def close_toasts(viewer) -> None:
    """Close napari's notifications (they would hide the canvas)."""
    for toast in viewer.window._qt_window.findChildren(NapariQtNotification):
        toast.close()


def shoot(viewer, name: str, toasts: bool = False) -> None:
    """Save the whole window as ``stage-<name>.png``."""
    if not toasts:
        close_toasts(viewer)
    viewer.reset_view()
    settle(1.0)
    viewer.screenshot(str(IMAGES / f"stage-{name}.png"), canvas_only=False, flash=False)


def main() -> None:
    """Review the demo ramp in a folder of exposures and save each stage's screenshot."""
    IMAGES.mkdir(exist_ok=True)
    directory = Path(tempfile.mkdtemp())
    demo = write_demo(directory)
    for n, seed in [(1, 3), (2, 4)]:
        name = f"jw01234001001_02101_0000{n}_mirimage_jump.fits"
        write_ramp(directory / name, (2, 20, 128, 128), seed=seed)
    widget = launch(None, block=False)
    viewer = widget.viewer
    viewer.window._qt_window.resize(1280, 800)
    widget.ask = lambda title, text: True
    widget.open_folder(directory)
    widget.show_exposure(demo)
    truth = {s.extra["kind"]: s for s in read_catalog(directory / "miri_showers_demo_truth.ecsv")}
    bright = truth["bright"]
    viewer.dims.current_step = (bright.integration, bright.group + 1, 128, 128)
    viewer.reset_view()
    shoot(viewer, "opened")

    widget.candidate_panel.find_button.native.click()  # the detector, in its worker
    settle(0.2)
    while widget.detect_worker is not None:
        settle(0.05)
    shoot(viewer, "candidates", toasts=True)

    for kind, action in [("bright", "accept"), ("idle", "accept"), ("faint", "revise")]:
        widget.candidate_panel.list.setCurrentRow(candidate_of(widget, truth[kind]))
        widget.review(action)
    current = widget.session.current  # the faint shower, in integration 0 like the bright one
    widget.shape_panel.major.value = round(current.semi_major * 1.2)
    viewer.dims.current_step = (current.integration, current.group + 2, 128, 128)
    viewer.layers.selection.active = widget.image
    shoot(viewer, "marked")

    widget.mark()  # the faint one too
    for name, unfolded in [("exposures", False), ("find", False), ("check", True)]:
        widget.sections[name].set_expanded(unfolded)  # the preview's section in view
    panel = widget.preview_panel
    panel.enable.native.click()
    while panel.worker is not None or panel.layer is None:
        settle(0.05)
    viewer.layers.selection.active = widget.image
    widget.column.ensureWidgetVisible(panel.list)
    for mode in ("before", "after"):
        panel.mode.value = mode
        shoot(viewer, f"preview-{mode}")

    panel.enable.native.click()  # the preview off: the product and its showers again
    for name, unfolded in [("exposures", True), ("find", True), ("check", False)]:
        widget.sections[name].set_expanded(unfolded)
    close_toasts(viewer)  # the detector's, the preview's: the save's comes next
    worker = widget.save(confirm=False)
    while worker.is_running or not widget.session.masked_up_to_date:
        settle(0.05)
    shoot(viewer, "saved", toasts=True)
    viewer.close()


if __name__ == "__main__":
    main()
    napari.Viewer.close_all()
