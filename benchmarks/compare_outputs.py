"""Check that this checkout writes the same bytes as another one, for the same inputs.

Writes the demo ramp, a rateints and a rate product, then runs ``showermask apply`` (and
``detect`` on the ramp) with this checkout's code and with ``--compare SRC`` (the ``src``
directory of another checkout, e.g. a ``git worktree`` of an earlier commit), and compares
the masked files byte for byte and the candidate catalogs row for row (their header
comments carry dates). Exit status 1 when anything differs.

Usage: python benchmarks/compare_outputs.py --compare ../old/src
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.files import write_product  # noqa: E402

import napari_showermask as sm  # noqa: E402


def run(src: Path, *args: str | Path) -> None:
    """Run ``showermask`` with the package found under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "napari_showermask.cli", *map(str, args)]
    subprocess.run(command, check=True, env=env, capture_output=True)


def rows(path: Path) -> list[str]:
    """A catalog's lines without its comment header."""
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def main() -> int:
    """Write the inputs, run both checkouts and compare; 1 when anything differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=Path, required=True, metavar="SRC")
    args = parser.parse_args()
    trees = {"this": ROOT / "src", "compared": args.compare.resolve()}
    with tempfile.TemporaryDirectory() as directory:
        where = Path(directory)
        ramp = sm.write_demo(where)
        truth = where / "miri_showers_demo_truth.ecsv"
        shower = sm.Shower(1, 0, 8, 7, 4, 2, 30)
        catalog = sm.write_catalog([shower, sm.Shower(0, 0, 3, 3, 2, 2, 0)], where / "r.ecsv")
        inputs = {
            ramp: truth,
            write_product(where / "x_rateints.fits", "rateints", (2, 16, 20)): catalog,
            write_product(where / "x_rate.fits", "rate", (16, 20)): catalog,
        }
        same = True
        for product, showers in inputs.items():
            outputs = {}
            for name, src in trees.items():
                outputs[name] = where / f"{name}-{product.name}"
                run(src, "apply", product, "--showers", showers, "-o", outputs[name])
            equal = filecmp.cmp(outputs["this"], outputs["compared"], shallow=False)
            print(f"apply {product.name}: {'identical' if equal else 'DIFFERENT'}")
            same &= equal
        found = {}
        for name, src in trees.items():
            found[name] = where / f"{name}-candidates.ecsv"
            run(src, "detect", ramp, "-o", found[name])
        equal = rows(found["this"]) == rows(found["compared"])
        print(f"detect {ramp.name}: {'identical rows' if equal else 'DIFFERENT'}")
        same &= equal
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
