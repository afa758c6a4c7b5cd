"""Benchmark the rate preview on the >= 1 GB full-frame ramp: first fit, then refits.

Each case runs in a fresh process (peak RSS is the process's own), alternating, in one
run; every time is also given as a ratio to the floor measured in the same process after
it: ``os.pread`` of integration 0's SCI and GROUPDQ bytes plus one byte-swap, warm (the
page cache holds the file: every case reads it from memory).

- ``preview``: ``RatePreview(ramp).before(0)``, the first preview of one integration
  (2 x 120 x 1024 x 1032 ramp), with the default engine, then the refit after marking one
  shower (``after(0, [shower])``), after editing it (moved and grown) and after deleting
  it, for 10 showers of 10-80 x 5-30 pixel semi-axes (target < 100 ms);
- ``no jwst``: the same first preview where stcal cannot be imported (the switch the code
  uses, ``engines.stcal_available``, returns False);
- ``stcal``: the first preview with stcal's fitter for every pixel (``engine='stcal'``);
- ``compared`` (with ``--compare SRC``, the ``src`` of another checkout, e.g. a
  ``git worktree`` of the previous commit): its default first preview, same process rules;
- ``workers`` (with ``--workers``): the first preview with one worker process per core;
- ``eager`` (with ``--eager``): loading the whole integration, then one stcal fit of it
  (what a script would do without the preview; its peak RSS shows what blocks save);
- ``napari`` (with ``--napari``, under a display: ``xvfb-run -a``): napari's own redraw
  after replacing a 1024 x 1032 image layer's data, the baseline a refit is shown with;
- ``profile`` (with ``--profile``): cProfile of one first preview, top functions.

With ``--cosmic`` the ramp has cosmic rays and saturating stars (``bigramp.py``).

Usage: python benchmarks/bench_preview.py [RAMP.fits] [--cosmic] [--repeat N]
       [--compare SRC] [--workers] [--eager] [--napari] [--profile]
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

TARGET_FIRST, TARGET_PEAK_MB, TARGET_REFIT_MS = 3.0, 600.0, 100.0


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


def floor(ramp: Path) -> float:
    """Seconds to pread integration 0's SCI and GROUPDQ bytes and byte-swap SCI (warm)."""
    from astropy.io import fits

    with fits.open(ramp) as hdul:
        spans = []
        for name, itemsize in (("SCI", 4), ("GROUPDQ", 1)):
            header = hdul[name].header
            size = header["NAXIS3"] * header["NAXIS2"] * header["NAXIS1"] * itemsize
            spans.append((hdul[name].fileinfo()["datLoc"], size))
    times = []
    for _ in range(2):  # the second is warm
        start = time.perf_counter()
        fd = os.open(ramp, os.O_RDONLY)
        try:
            sci, groupdq = (os.pread(fd, size, offset) for offset, size in spans)
        finally:
            os.close(fd)
        np.frombuffer(sci, ">f4").astype(np.float32)
        times.append(time.perf_counter() - start)
        del sci, groupdq
    return times[-1]


def case_preview(ramp: Path, engine: str, refits: bool, workers: int = 1) -> dict:
    """First preview of integration 0, then (``refits``) mark / edit / delete refits."""
    from napari_showermask.fit.preview import RatePreview

    start = time.perf_counter()
    preview = RatePreview(ramp, engine=engine, workers=workers)
    first = preview.before(0)
    result = {"first": time.perf_counter() - start, "peak_first": peak_mb()}
    assert np.isfinite(first).mean() > 0.99
    if refits:
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
        result.update(mark=mark, edit=edit, delete=delete, peak=peak_mb())
    preview.close()
    result["floor"] = floor(ramp)
    return result


def case_eager(ramp: Path) -> dict:
    """Load the whole integration, then fit it in one stcal call (no blocks)."""
    from napari_showermask.core.products import open_product
    from napari_showermask.fit.ratefit import RampFitter, fit_integration

    start = time.perf_counter()
    with open_product(ramp) as product:
        fitter = RampFitter(product)
        sci = product.read("SCI", (0, fitter.groups))
        dq = product.read("GROUPDQ", (0, fitter.groups))
        pixeldq = product.read("PIXELDQ", ())
        assert fitter.timing is not None
        fit_integration(sci, dq, pixeldq, fitter.timing, engine="stcal")
    result = {"first": time.perf_counter() - start, "peak_first": peak_mb()}
    result["floor"] = floor(ramp)
    return result


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


def case(name: str, ramp: Path) -> dict:
    """Run one named case in this process."""
    if name == "napari":
        return case_napari()
    if name == "eager":
        return case_eager(ramp)
    if name == "no jwst":
        import napari_showermask.fit.engines as engines

        engines.stcal_available = lambda: False
    if name == "profile":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        case_preview(ramp, "auto", refits=False)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
        return {}
    engine = "stcal" if name == "stcal" else "auto"
    workers = (os.cpu_count() or 1) if name == "workers" else 1
    return case_preview(ramp, engine, refits=name in ("preview", "compared"), workers=workers)


def run_case(name: str, ramp: Path, src: Path | None = None) -> dict:
    """Run one case in a fresh interpreter (``src`` first on its path) and return its numbers."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    command = [sys.executable, __file__, "--case", name, str(ramp)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    if name == "profile":
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the cases (alternating, ``--repeat`` times) and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ramp", nargs="?", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", type=Path, metavar="SRC", help="another checkout's src")
    parser.add_argument("--workers", action="store_true")
    parser.add_argument("--eager", action="store_true", help="also load + one stcal fit")
    parser.add_argument("--napari", action="store_true", help="napari's redraw (Xvfb)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cosmic", action="store_true", help="cosmic rays and stars")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(args.case, args.ramp)))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bigramp import big_ramp

    ramp = big_ramp(args.ramp, cosmic=args.cosmic)
    names = ["preview", "no jwst", "stcal"] + ["workers"] * args.workers + ["eager"] * args.eager
    names += ["compared"] * (args.compare is not None)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    floor(ramp)  # warm the page cache: every case then reads from memory
    for _ in range(args.repeat):
        for name in names:
            runs[name].append(run_case(name, ramp, args.compare if name == "compared" else None))

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    print(f"file: {ramp} ({ramp.stat().st_size / 1e9:.2f} GB), {args.repeat} runs each")
    print(
        f"{'first preview of integration 0':46}{'s':>7}{'floor s':>9}{'x floor':>9}{'peak MB':>9}"
    )
    for name in names:
        ratio = statistics.median(r["first"] / r["floor"] for r in runs[name])
        print(
            f"{name:46}{med(name, 'first'):7.2f}{med(name, 'floor'):9.2f}{ratio:9.2f}"
            f"{med(name, 'peak_first'):9.0f}"
        )
    print(f"targets: <= {TARGET_FIRST}x floor, peak <= {TARGET_PEAK_MB:.0f} MB")
    redraw = None
    if args.napari:
        redraw = statistics.median(
            t for _ in range(args.repeat) for t in run_case("napari", ramp)["redraw"]
        )
    print(f"{'refit after':46}{'median ms':>10}{'max ms':>8}{'x redraw':>10}   target")
    for name in ("preview", "compared")[: 1 + (args.compare is not None)]:
        for key in ("mark", "edit", "delete"):
            times = [1000 * t for r in runs[name] for t in r[key]]
            label = f"{key} one shower ({name})"
            ratio = f"{statistics.median(times) / (1000 * redraw):10.2f}" if redraw else " " * 10
            print(
                f"{label:46}{statistics.median(times):10.1f}{max(times):8.1f}{ratio}"
                f"   <= {TARGET_REFIT_MS:.0f} ms"
            )
        print(f"peak RSS after the refits ({name}): {med(name, 'peak'):.0f} MB")
    if redraw:
        print(f"{'napari redraw of a new image (baseline)':46}{1000 * redraw:10.1f}")
    if args.profile:
        run_case("profile", ramp)


if __name__ == "__main__":
    main()
