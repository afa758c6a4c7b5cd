"""The package layout: import contracts, no import cycles, small modules that say what they own."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "napari_showermask"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts on the package under ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
    )


def test_the_import_contracts_hold() -> None:
    done = lint_imports(ROOT / "src")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "reversed_import"),
    [
        ("core/shower.py", "import napari_showermask.viewer.session"),
        ("io/catalog.py", "import napari_showermask.detect.detector"),
        ("detect/cusum.py", "import napari_showermask.fit.ratefit"),
        ("pipeline/batch.py", "import napari"),
    ],
)
def test_a_reversed_import_breaks_the_contracts(
    tmp_path: Path, module: str, reversed_import: str
) -> None:
    copy = tmp_path / "src" / "napari_showermask"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    target.write_text(target.read_text() + f"\n{reversed_import}  # noqa\n")
    done = lint_imports(tmp_path / "src")
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout


def test_no_import_cycle_between_modules() -> None:
    graph = grimp.build_graph("napari_showermask", exclude_type_checking_imports=True)
    modules = sorted(m for m in graph.modules if not _is_package(m))
    cycles = [
        (a, b)
        for a, b in combinations(modules, 2)
        if graph.find_shortest_chain(importer=a, imported=b)
        and graph.find_shortest_chain(importer=b, imported=a)
    ]
    assert cycles == []


def _is_package(module: str) -> bool:
    parts = module.split(".")[1:]
    return (PACKAGE.joinpath(*parts) / "__init__.py").exists()


# Modules still being split; this list only shrinks.
LONG_TODAY: set[str] = set()


def test_every_module_is_small_and_says_what_it_owns() -> None:
    too_long, silent = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text()
        if len(source.splitlines()) > 320:
            too_long.append(path.relative_to(PACKAGE).as_posix())
        doc = ast.get_docstring(ast.parse(source))
        if not doc or len(doc.splitlines()[0]) < 10:
            silent.append(path.relative_to(PACKAGE).as_posix())
    assert silent == []
    assert sorted(set(too_long) - LONG_TODAY) == []


def test_no_test_module_imports_another() -> None:
    tests = PACKAGE.parents[1] / "tests"
    importing = [
        path.relative_to(tests).as_posix()
        for path in tests.rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom | ast.Import)
            and any(
                name.startswith("test_")
                for name in ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                + [alias.name for alias in node.names]
            )
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert importing == []
