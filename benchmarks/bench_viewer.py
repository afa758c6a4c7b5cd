"""Open the >= 1 GB full-frame ramp in napari with the plugin: first render, memory, paging.

Run under a display: ``xvfb-run -a python benchmarks/bench_viewer.py [RAMP.fits] [--repeat N]``
(N alternating runs of each case; the medians over runs are reported) [--compare SRC]
(also the plugin case with another checkout's ``src`` first on the path, same rotation).

Each case runs in a fresh process (napari's first layer pays one-time imports):
- ``plugin``: the Shower Masking widget docked, then ``viewer.open(RAMP, plugin=...)``;
- ``reader``: the same without the widget (the reader's three layers only);
- ``baseline``: plain napari showing in-memory numpy arrays of the same frame size (8
  groups, so it fits in memory) as an image, a labels layer and three shapes layers, the
  image being the active layer as the widget makes it (napari's status bar then shows its
  value under the cursor, redrawn at each group): the floor that napari and OpenGL set on
  this machine, with no file reading at all.

Reported: time from the open call to the first frame drawn, cold (first open in the
process, target < 2 s) and warm (the same file opened again); RSS growth after opening and
paging through 38 groups (target < 300 MB); and the latency from a group change to the next
frame drawn, median and max over 38 changes (target < 100 ms).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

STEPS = range(2, 40)


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def renderer() -> str:
    """The OpenGL renderer (llvmpipe is Mesa's software rasteriser, no GPU)."""
    try:
        from OpenGL import GL

        return GL.glGetString(GL.GL_RENDERER).decode()
    except Exception:  # no current context or no PyOpenGL
        return "unknown"


def measure(case: str, ramp: Path) -> dict:
    """Run one case in this process and return its numbers."""
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1400, 900)
    if case == "plugin":
        from napari_showermask._widget import ShowerMaskingWidget

        viewer.window.add_dock_widget(ShowerMaskingWidget(viewer), name="Shower Masking")
    app = QApplication.instance()
    canvas = viewer.window._qt_viewer.canvas
    drawn: list[float] = []
    canvas._scene_canvas.events.draw.connect(
        lambda event: drawn.append(time.perf_counter()), position="last"
    )

    def settle(seconds: float = 0.3) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.005)

    def until_drawn(start: float) -> float:
        """Seconds from ``start`` to the first frame drawn after it."""
        while not any(t > start for t in drawn):
            app.processEvents()
            if time.perf_counter() - start > 30:
                raise RuntimeError("nothing was drawn within 30 s")
        return min(t for t in drawn if t > start) - start

    from napari_showermask.viewer.dqdisplay import CATEGORY_COLORS, category_names

    codes = np.arange(16)  # the plugin's DQ overlay: the same colours and features
    dq_style = {
        "name": "DQ",
        "opacity": 0.4,
        "colormap": CATEGORY_COLORS,
        "features": {"index": codes, "flags": [category_names(int(c)) for c in codes]},
    }
    shape = (2, 8, 1024, 1032)
    frames = np.random.default_rng(1).normal(0, 10, shape).astype(np.float32)
    labels = np.zeros(shape, np.uint8)

    def open_case() -> float:
        """Seconds from the open call to the first frame drawn after all layers are in."""
        start = time.perf_counter()
        if case in ("plugin", "reader"):
            viewer.open(str(ramp), plugin="napari-showermask")
        else:
            image = viewer.add_image(frames, name="difference", contrast_limits=(-30, 30))
            viewer.add_labels(labels, **dq_style)
            viewer.add_shapes(ndim=4, name="showers")
            viewer.add_shapes(ndim=2, name="current")
            viewer.add_shapes(ndim=2, name="candidates")
            viewer.layers.selection.active = image  # as the widget does: values in the status
        opened = time.perf_counter()
        canvas.native.update()  # napari may have drawn while adding; draw the whole scene
        drawing = until_drawn(opened)
        print(f"{case}: open {opened - start:.2f} s, then draw {drawing:.2f} s", file=sys.stderr)
        return drawing + (opened - start)

    settle()
    before = rss_mb()
    cold = open_case()
    settle()
    viewer.dims.set_current_step(0, 1)  # start from a group that no step below shows
    viewer.dims.set_current_step(1, 1)
    settle()
    latencies = []
    for g in STEPS:
        start = time.perf_counter()
        viewer.dims.set_current_step(1, g if case != "baseline" else 2 + g % 6)
        latencies.append(until_drawn(start))
        settle(0.05)
    growth = rss_mb() - before
    viewer.layers.clear()
    settle()
    warm = open_case()
    result = {
        "cold": cold,
        "warm": warm,
        "median": statistics.median(latencies),
        "max": max(latencies),
        "rss": growth,
        "renderer": renderer(),
    }
    viewer.layers.clear()
    viewer.close()
    return result


def median_of(results: list[dict]) -> dict:
    """Median of each number over several runs of one case."""
    keys = [k for k, v in results[0].items() if isinstance(v, float | int)]
    return {k: statistics.median(r[k] for r in results) for k in keys}


def main() -> None:
    """Run both cases, each in a fresh process, and print the report."""
    if len(sys.argv) > 2 and sys.argv[1] == "--case":
        print(json.dumps(measure(sys.argv[2], Path(sys.argv[3]))))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bigramp import big_ramp

    args = sys.argv[1:]
    options = {"--repeat": "1", "--compare": ""}
    for option in options:
        if option in args:
            at = args.index(option)
            options[option] = args[at + 1]
            del args[at : at + 2]
    repeat, compare = int(options["--repeat"]), options["--compare"]
    ramp = big_ramp(Path(args[0]) if args else None)
    cases = ["baseline", "reader", "plugin"] + (["previous"] if compare else [])
    runs: dict[str, list[dict]] = {case: [] for case in cases}
    for _ in range(repeat):  # alternating, so all cases see the same load
        for case in cases:
            env = dict(os.environ)
            if case == "previous":  # the plugin case with another checkout's code first
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [compare, env.get("PYTHONPATH")]))
            run = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--case",
                    "plugin" if case == "previous" else case,
                    str(ramp),
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            runs[case].append(json.loads(run.stdout.strip().splitlines()[-1]))
    base, plug = ({**r[0], **median_of(r)} for r in (runs["baseline"], runs["plugin"]))
    print(f"{repeat} alternating run(s) of each case; medians over runs")
    print(f"file: {ramp} ({ramp.stat().st_size / 1e9:.2f} GB); OpenGL: {plug['renderer']}")
    print(f"{'':34}{'plugin':>10}{'baseline':>10}{'ratio':>8}   target")
    rows = [
        ("first render, cold (s)", "cold", 1, "< 2 s"),
        ("first render, warm (s)", "warm", 1, ""),
        ("change group, median (ms)", "median", 1000, "< 100 ms"),
        ("change group, max (ms)", "max", 1000, ""),
        ("RSS growth (MB)", "rss", 1, "< 300 MB"),
    ]
    for label, key, scale, target in rows:
        p, b = plug[key] * scale, base[key] * scale
        print(f"{label:34}{p:10.2f}{b:10.2f}{p / b:8.2f}   {target}")
        others = [("reader", "  reader only (no widget)")]
        others += [("previous", "  previous code")] if compare else []
        for case, name in others:
            q = median_of(runs[case])[key] * scale
            print(f"{name:34}{q:10.2f}{b:10.2f}{q / b:8.2f}")
    print("baseline: napari with in-memory numpy layers of the same frame size (no file)")


if __name__ == "__main__":
    main()
