"""Make docs/preview.png: the demo ramp's rate preview before and after masking, side by side.

The demo's truth catalog is marked, with the faint shower drawn at half its size: after
masking, the bright shower's glow is gone, the faint one leaves a ring that its residual
line flags (orange). Both halves are the napari window at 1280 x 800, one contrast.

Run under a display (e.g. ``xvfb-run -a python docs/make_preview_screenshot.py``).
"""

import tempfile
import time
from pathlib import Path

import napari
import numpy as np
from napari._qt.dialogs.qt_notification import NapariQtNotification
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QApplication, QScrollArea

from napari_showermask._widget import launch
from napari_showermask.io.catalog import read_catalog
from napari_showermask.synthetic.demo import write_demo

HERE = Path(__file__).resolve().parent


def settle(seconds: float = 0.5) -> None:
    """Let Qt process events (draw, finish workers) for a while."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def main() -> None:
    """Open the demo, mark its showers, preview the rate and save both halves."""
    directory = Path(tempfile.mkdtemp())
    path = write_demo(directory)
    widget = launch(str(path), block=False)
    viewer = widget.viewer
    viewer.window._qt_window.resize(1280, 800)
    settle()
    showers = [
        s.moved(semi_major=s.semi_major / 2, semi_minor=s.semi_minor / 2)
        if s.extra["kind"] == "faint"
        else s
        for s in read_catalog(directory / "miri_showers_demo_truth.ecsv")
    ]
    widget.session.load(showers)
    ngroups = widget.session.ngroups
    viewer.dims.current_step = (0, ngroups - 1, *viewer.dims.current_step[2:])
    widget.binding.dq.visible = False  # the rate alone
    panel = widget.preview_panel
    panel.enable.value = True
    while panel.worker is not None or panel.layer is None:
        settle(0.05)
    viewer.layers.selection.active = panel.layer
    window = viewer.window._qt_window
    window.resizeDocks([widget.dock()], [500], Qt.Orientation.Horizontal)
    viewer.window._qt_viewer.dockLayerControls.setVisible(False)  # more room for the list
    settle()
    viewer.reset_view()
    scroll = widget.findChild(QScrollArea)
    scroll.ensureWidgetVisible(panel.list)
    scroll.horizontalScrollBar().setValue(0)
    halves = []
    for mode in ("before", "after"):
        panel.mode.value = mode
        for toast in viewer.window._qt_window.findChildren(NapariQtNotification):
            toast.close()
        settle(1.0)
        halves.append(viewer.screenshot(canvas_only=False, flash=False))
    napari.utils.io.imsave(str(HERE / "preview.png"), np.concatenate(halves, axis=1))
    viewer.close()


if __name__ == "__main__":
    main()
    napari.Viewer.close_all()
