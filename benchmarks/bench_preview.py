"""Benchmark the rate preview on the >= 1 GB full-frame ramp: first fit, then refits.

Each case runs in a fresh process (peak RSS is the process's own), in one run:
- ``preview``: ``RatePreview(ramp).before(0)``, the first preview of one integration
  (2 x 120 x 1024 x 1032 ramp: 0.5 GB of SCI and 0.13 GB of GROUPDQ read in blocks of 64
  rows), then the refit after marking one shower (``after(0, [shower])``: read, mask and
  fit its box, copy the image), after editing it (moved and grown) and after deleting it,
  for 10 showers of 10-80 x 5-30 pixel semi-axes (target < 100 ms);
- ``io``: reading the same SCI and GROUPDQ blocks and nothing else (the I/O floor);
- ``eager``: reading the whole integration into memory, then one stcal fit of it (what a
  script would do without the preview; its peak RSS shows what the blocks save);
- ``workers``: the first preview with one worker process per core;
- ``numpy``: the first preview with the numpy fitter (when stcal is missing);
- ``napari`` (with ``--napari``, under a display: ``xvfb-run -a``): napari's own redraw
  after replacing a 1024 x 1032 image layer's data, the baseline a refit is shown with.

Usage: python benchmarks/bench_preview.py [RAMP.fits] [--repeat N] [--napari]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def peak_mb() -> float:
    """Peak resident set size of this process (VmHWM), MB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def showers(shape: tuple[int, int], count: int = 10) -> list:
    """Random showers of integration 0, of the sizes seen on MIRI full frames."""
    from napari_showermask.core.shower import Shower

    rng = np.random.default_rng(3)
    out = []
    for _ in range(count):
        a = float(rng.uniform(10, 80))
        out.append(
            Shower(
                0,
                int(rng.integers(5, 100)),
                float(rng.uniform(0, shape[1])),
                float(rng.uniform(0, shape[0])),
                a,
                float(min(a, rng.uniform(5, 30))),
                float(rng.uniform(0, 180)),
            )
        )
    return out


def case_preview(ramp: Path, engine: str, workers: int = 1) -> dict:
    """First preview of integration 0, then mark / edit / delete refits."""
    from napari_showermask.fit.preview import RatePreview

    start = time.perf_counter()
    preview = RatePreview(ramp, engine=engine, workers=workers)
    first = preview.before(0)
    result = {"first": time.perf_counter() - start, "peak_first": peak_mb()}
    if engine == "numpy" or workers > 1:
        return result
    assert np.isfinite(first).mean() > 0.99
    mark, edit, delete = [], [], []
    for shower in showers(first.shape):
        for times, marked in (
            (mark, [shower]),
            (edit, [shower.moved(x=shower.x + 5, semi_major=shower.semi_major + 3)]),
            (delete, []),
        ):
            t0 = time.perf_counter()
            preview.after(0, marked)
            times.append(time.perf_counter() - t0)
    preview.close()
    result.update(mark=mark, edit=edit, delete=delete, peak=peak_mb())
    return result


def case_io(ramp: Path) -> dict:
    """Read integration 0's SCI and GROUPDQ in the preview's blocks, nothing else."""
    from napari_showermask.core.products import open_product

    start = time.perf_counter()
    with open_product(ramp) as product:
        ny = product.image_shape[0]
        for r0 in range(0, ny, 64):
            key = (0, slice(None), slice(r0, min(r0 + 64, ny)), slice(None))
            product.read("SCI", key), product.read("GROUPDQ", key)
    return {"first": time.perf_counter() - start, "peak_first": peak_mb()}


def case_eager(ramp: Path) -> dict:
    """Load the whole integration, then fit it in one stcal call."""
    from napari_showermask.core.products import open_product
    from napari_showermask.fit.ratefit import RampFitter, fit_integration

    start = time.perf_counter()
    with open_product(ramp) as product:
        fitter = RampFitter(product)
        sci = product.read("SCI", (0, fitter.groups))
        dq = product.read("GROUPDQ", (0, fitter.groups))
        pixeldq = product.read("PIXELDQ", ())
        fit_integration(sci, dq, pixeldq, fitter.timing)
    return {"first": time.perf_counter() - start, "peak_first": peak_mb()}


def case_napari(repeat: int = 10) -> dict:
    """Seconds from replacing an image layer's data to the next frame napari draws."""
    import napari
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    canvas = viewer.window._qt_viewer.canvas
    drawn: list[float] = []
    canvas._scene_canvas.events.draw.connect(
        lambda event: drawn.append(time.perf_counter()), position="last"
    )
    rng = np.random.default_rng(0)
    images = [rng.normal(5, 1, (1024, 1032)).astype(np.float32) for _ in range(2)]
    layer = viewer.add_image(images[0], name="x rate preview", contrast_limits=(0, 10))
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    times = []
    for n in range(repeat):
        start = time.perf_counter()
        layer.data = images[(n + 1) % 2]
        while not any(t > start for t in drawn):
            app.processEvents()
        times.append(min(t for t in drawn if t > start) - start)
        for _ in range(5):
            app.processEvents()
            time.sleep(0.01)
    viewer.close()
    return {"redraw": times}


def run_case(case: str, ramp: Path) -> dict:
    """Run one case in a fresh interpreter and return its numbers."""
    done = subprocess.run(
        [sys.executable, __file__, "--case", case, str(ramp)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the cases (alternating, ``--repeat`` times) and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ramp", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--napari", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        cases = {
            "preview": lambda: case_preview(args.ramp, "stcal"),
            "numpy": lambda: case_preview(args.ramp, "numpy"),
            "workers": lambda: case_preview(args.ramp, "stcal", os.cpu_count() or 1),
            "io": lambda: case_io(args.ramp),
            "eager": lambda: case_eager(args.ramp),
            "napari": case_napari,
        }
        print(json.dumps(cases[args.case]()))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bigramp import big_ramp

    ramp = big_ramp(args.ramp)
    names = ["io", "preview", "workers", "eager", "numpy"]
    runs: dict[str, list[dict]] = {name: [] for name in names}
    run_case("io", ramp)  # warm the page cache: every case then reads from memory
    for _ in range(args.repeat):
        for name in names:
            runs[name].append(run_case(name, ramp))

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    print(f"file: {ramp} ({ramp.stat().st_size / 1e9:.2f} GB), {args.repeat} runs each")
    io_time = med("io", "first")
    print(f"{'first preview of integration 0':44}{'s':>8}{'x io':>8}{'peak MB':>10}")
    for name, label in [
        ("io", "read SCI + GROUPDQ blocks only (floor)"),
        ("preview", "RatePreview.before, stcal"),
        ("workers", f"the same, workers={os.cpu_count()} (parent's RSS)"),
        ("numpy", "RatePreview.before, numpy fitter"),
        ("eager", "load integration + one stcal fit"),
    ]:
        t = med(name, "first")
        print(f"{label:44}{t:8.2f}{t / io_time:8.2f}{med(name, 'peak_first'):10.0f}")
    redraw = None
    if args.napari:
        redraw = statistics.median(
            t for _ in range(args.repeat) for t in run_case("napari", ramp)["redraw"]
        )
    print(f"{'refit after':44}{'median ms':>10}{'max ms':>8}{'x redraw':>10}   target")
    for key in ("mark", "edit", "delete"):
        times = [1000 * t for r in runs["preview"] for t in r[key]]
        ratio = f"{statistics.median(times) / (1000 * redraw):10.2f}" if redraw else f"{'':>10}"
        print(f"{key + ' one shower':44}{statistics.median(times):10.1f}{max(times):8.1f}"
              f"{ratio}   < 100 ms")  # fmt: skip
    if redraw:
        print(f"{'napari redraw of a new image (baseline)':44}{1000 * redraw:10.1f}")
    print(f"peak RSS of the preview process after the refits: {med('preview', 'peak'):.0f} MB")


if __name__ == "__main__":
    main()
