"""Open the >= 1 GB full-frame ramp in napari with the plugin: first render, memory, paging.

Run under a display: ``xvfb-run -a python benchmarks/bench_viewer.py [RAMP.fits]``.
Reports the time from ``viewer.open`` to the first rendered frame (target < 2 s), the RSS
growth over the viewer before opening (target < 300 MB), and the median time to change
group and redraw, including the widget's contrast update (target < 100 ms).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import napari
from bigramp import big_ramp
from qtpy.QtWidgets import QApplication

from napari_showermask._widget import ShowerMaskingWidget


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def renderer() -> str:
    """The OpenGL renderer (llvmpipe is Mesa's software rasteriser, no GPU)."""
    try:
        from OpenGL import GL

        return GL.glGetString(GL.GL_RENDERER).decode()
    except Exception:  # no current context or no PyOpenGL
        return "unknown"


def main() -> None:
    """Run the benchmark and print its report."""
    ramp = big_ramp(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    viewer = napari.Viewer(show=True)
    widget = ShowerMaskingWidget(viewer)
    viewer.window.add_dock_widget(widget)
    app = QApplication.instance()
    for _ in range(20):
        app.processEvents()
    before = rss_mb()
    canvas = viewer.window._qt_viewer.canvas
    start = time.perf_counter()
    viewer.open(str(ramp), plugin="napari-showermask")
    canvas.native.repaint()
    app.processEvents()
    first = time.perf_counter() - start
    times, paint = [], []
    for g in range(2, 40):
        t0 = time.perf_counter()
        viewer.dims.set_current_step(1, g)
        t1 = time.perf_counter()
        canvas.native.repaint()
        paint.append(time.perf_counter() - t1)
        app.processEvents()
        times.append(time.perf_counter() - t0)
    growth = rss_mb() - before
    print(f"file: {ramp} ({ramp.stat().st_size / 1e9:.2f} GB)")
    print(f"first render           {first:7.2f} s   (target < 2 s)")
    print(f"change group + redraw  {1000 * statistics.median(times):7.1f} ms  (median of 38;")
    print(f"                       max {1000 * max(times):.0f} ms; target < 100 ms)")
    print(f"  of which GL repaint  {1000 * statistics.median(paint):7.1f} ms  ({renderer()})")
    print(f"RSS growth             {growth:7.0f} MB  (target < 300 MB)")
    viewer.close()


if __name__ == "__main__":
    main()
