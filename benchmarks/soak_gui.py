"""Long GUI soak: thousands of seeded random user actions on the Shower Masking widget.

Runs the random walk of ``tests/soak.py`` (the test suite runs 320 actions with one seed)
in a shown napari viewer and prints the actions done, saves checked and time taken. Needs a
display (``xvfb-run -a python benchmarks/soak_gui.py``).

Usage: ``python benchmarks/soak_gui.py [--actions 3000] [--seed 1] [--seeds 3]``
"""

from __future__ import annotations

import argparse
import faulthandler
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import napari  # noqa: E402
from qtpy.QtCore import QCoreApplication, QEventLoop  # noqa: E402

from napari_showermask._widget import ShowerMaskingWidget  # noqa: E402


def wait(ms: int) -> None:
    """Process Qt events for ``ms`` milliseconds."""
    end = time.perf_counter() + ms / 1000
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.perf_counter() >= end:
            return
        time.sleep(0.001)


def main() -> int:
    """Run the soak; exit status 1 on the first failed check or uncaught exception."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=3000, help="actions per seed")
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--seeds", type=int, default=1, help="number of seeds")
    parser.add_argument("--log", help="append each action's name to this file (crash hunting)")
    args = parser.parse_args()
    faulthandler.enable()  # a crash prints where each thread was
    from support.soak import Soak, write_products

    errors: list[BaseException] = []
    sys.excepthook = lambda kind, value, tb: errors.append(value)  # Qt callbacks' errors
    total = 0
    for seed in range(args.seed, args.seed + args.seeds):
        with tempfile.TemporaryDirectory() as folder:
            viewer = napari.Viewer(show=True)
            viewer.window.resize(1280, 800)
            widget = ShowerMaskingWidget(viewer)
            viewer.window.add_dock_widget(widget, name="Shower Masking")
            soak = Soak(widget, wait, write_products(Path(folder)), seed)
            soak.log = open(args.log, "a") if args.log else None  # noqa: SIM115
            try:
                seconds = soak.run(args.actions)
            except AssertionError as exc:
                print(f"seed {seed}: FAILED {exc}")
                return 1
            finally:
                viewer.close()
            if errors:
                print(f"seed {seed}: FAILED, uncaught {errors[0]!r}")
                return 1
            total += args.actions
            counts = ", ".join(f"{k} {v}" for k, v in sorted(soak.counts.items()))
            print(
                f"seed {seed}: {args.actions} actions in {seconds:.0f} s "
                f"({1000 * seconds / args.actions:.0f} ms each), {soak.saves} saves checked, "
                f"{len(widget.sessions)} exposures; {counts}"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all checks passed: {total} actions, peak RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
