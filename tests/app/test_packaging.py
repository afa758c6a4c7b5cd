"""Packaging: the built wheel and sdist, and installs into fresh environments."""

from __future__ import annotations

import configparser
import email.parser
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
from support.python import PACKAGE, ROOT, python

import napari_showermask


def package_files() -> set[str]:
    """The files the wheel must hold: every file of the package's source tree."""
    return {
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build the sdist, then the wheel from the unpacked sdist, as ``python -m build`` does."""
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


@pytest.mark.slow
def test_wheel_holds_package_manifest_entry_point_and_license(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    version = napari_showermask.__version__
    info = f"napari_showermask-{version}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {n.split("/")[0] for n in names} == {"napari_showermask", info}
        assert {n for n in names if not n.startswith(info)} == package_files()
        manifest = archive.read("napari_showermask/napari.yaml")
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        license_text = archive.read(f"{info}/licenses/LICENSE")
        metadata = email.parser.Parser().parsestr(archive.read(f"{info}/METADATA").decode())
    assert manifest == (PACKAGE / "napari.yaml").read_bytes()
    assert license_text == (ROOT / "LICENSE").read_bytes()
    points = configparser.ConfigParser(delimiters=("=",))
    points.optionxform = str  # entry point names keep their case
    points.read_string(entry_points)
    assert dict(points["napari.manifest"]) == {
        "napari-showermask": "napari_showermask:napari.yaml"
    }
    assert points["console_scripts"]["showermask"] == "napari_showermask.cli:main"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {"console_scripts": project["scripts"], **project["entry-points"]}
    assert {group: dict(points[group]) for group in points.sections()} == declared
    assert metadata["License-Expression"] == "BSD-3-Clause"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Author"] == "napari-showermask developers"
    assert "Framework :: napari" in metadata.get_all("Classifier")
    assert any(c.startswith("Development Status ::") for c in metadata.get_all("Classifier"))
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert {"Homepage", "Bug Tracker", "Source Code"} <= set(urls)
    napari_extra = [r for r in metadata.get_all("Requires-Dist") if 'extra == "napari"' in r]
    assert napari_extra and not [r for r in napari_extra if re.search("pyqt|pyside", r, re.I)]
    # PyPI and the napari hub show the README alone: links must be absolute (or anchors),
    # and images must point into the project's repository at files that exist.
    readme = metadata.get_payload()
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert all(link.startswith(("https://", "#")) for link in links), links
    raw = urls["Source Code"].replace("//github.com/", "//raw.githubusercontent.com/") + "/main/"
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert images and all(i.startswith(raw) for i in images), images
    assert all((ROOT / image.removeprefix(raw)).is_file() for image in images), images


@pytest.mark.slow
def test_sdist_tests_run_from_the_unpacked_sdist(dists: tuple[Path, Path], tmp_path: Path) -> None:
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (top,) = tmp_path.iterdir()
    shipped = {p.relative_to(top).as_posix() for p in (top / "tests").rglob("*") if p.is_file()}
    expected = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "tests").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped == expected
    for name in ("LICENSE", "docs/images/stage-opened.png"):  # README links to the figures
        assert (top / name).read_bytes() == (ROOT / name).read_bytes()
    env = {**os.environ, "PYTHONPATH": str(top / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    where = python("import napari_showermask; print(napari_showermask.__file__)", env)
    assert Path(where.strip()).is_relative_to(top / "src")
    # Tests that need conftest.py and reference.py, run from the unpacked tree.
    tests = [
        "tests/core/test_products.py",
        "tests/core/test_masking.py",
        "tests/io/test_catalog.py",
    ]
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    done = subprocess.run(command, cwd=top, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"\d+ passed", done.stdout)


def fresh_environment(path: Path) -> tuple[str, dict[str, str]]:
    """Create an empty virtual environment; return its Python and an environment for it."""
    venv.EnvBuilder(with_pip=False).create(path)
    bindir = path / ("Scripts" if os.name == "nt" else "bin")
    exe = str(bindir / ("python.exe" if os.name == "nt" else "python"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env |= {"VIRTUAL_ENV": str(path), "PATH": f"{bindir}{os.pathsep}{env['PATH']}"}
    env |= {"PYTHONNOUSERSITE": "1", "QT_QPA_PLATFORM": "offscreen"}
    env |= {"TMPDIR": str(path.parent), "TEMP": str(path.parent), "TMP": str(path.parent)}
    return exe, env


def uv_install(exe: str, env: dict[str, str], *requirements: str) -> None:
    """Install into the environment of ``exe`` with uv (fast, from its cache)."""
    from uv import find_uv_bin

    command = [find_uv_bin(), "pip", "install", "-q", "--python", exe, *requirements]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_wheel_alone_runs_the_command_line(dists: tuple[Path, Path], tmp_path: Path) -> None:
    exe, env = fresh_environment(tmp_path / "core")
    uv_install(exe, env, str(dists[1]))
    absent = "import importlib.util as u; print([m for m in %r if u.find_spec(m)])"
    assert python(absent % (["napari", "qtpy", "PyQt6", "jwst", "dask"],), env, exe) == "[]\n"
    cli = [shutil.which("showermask", path=str(Path(exe).parent))]  # the console script
    assert cli[0], "no showermask command in the environment"
    run = {"env": env, "capture_output": True, "text": True, "cwd": tmp_path}
    demo = subprocess.run([*cli, "demo", "out"], **run)
    assert demo.returncode == 0, demo.stderr
    ramp = tmp_path / demo.stdout.strip()
    truth = ramp.parent / "miri_showers_demo_truth.ecsv"
    applied = subprocess.run([*cli, "apply", str(ramp), "--showers", str(truth)], **run)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / applied.stdout.strip()).name == "miri_showers_demo_jump_showers_masked.fits"
    detected = subprocess.run([*cli, "detect", str(ramp)], **run)
    assert detected.returncode == 0, detected.stderr
    assert (tmp_path / detected.stdout.strip()).is_file()


# Run inside the fresh environment: what napari's plugin dialog does when a user gives it
# a wheel file ("install from disk"): NapariInstallerQueue.install(InstallerTools.PYPI, ...).
INSTALL = """
import json, sys
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QApplication, QTextEdit
from napari_plugin_manager.base_qt_package_installer import InstallerTools
from napari_plugin_manager.qt_package_installer import NapariInstallerQueue

app = QApplication([])
output = QTextEdit()
queue = NapariInstallerQueue()
queue.set_output_widget(output)
jobs = []
queue.processFinished.connect(jobs.append)
queue.allFinished.connect(lambda codes: app.quit())
QTimer.singleShot(900_000, app.quit)
queue.install(InstallerTools.PYPI, [sys.argv[1]])
app.exec()
print(output.toPlainText(), file=sys.stderr)
tool = queue.PYPI_INSTALLER_TOOL_CLASS.__name__
print(json.dumps({"tool": tool, "jobs": [[str(j["action"]), j["exit_code"]] for j in jobs]}))
"""

# Run inside the fresh environment after the install: what napari and npe2 list.
LIST = """
import importlib.metadata, json, sys, tempfile
from npe2 import PluginManager
from napari.plugins import _initialize_plugins, _npe2

_initialize_plugins()
pm = PluginManager.instance()
manifest = pm.get_manifest("napari-showermask")
for command in manifest.contributions.commands:
    pm.commands.get(command.id)  # imports its module with the installed dependencies
opener, _ = _npe2.get_sample_data("napari-showermask", "synthetic_miri_showers")
dist = importlib.metadata.distribution("napari-showermask")
print(json.dumps({
    "file": str(dist.locate_file("napari_showermask/__init__.py")),
    "readers": _npe2.get_readers("x_jump.fits"),
    "writers": [w.display_name for w in pm.iter_compatible_writers(["shapes"])],
    "widgets": dict(w for _, w in _npe2.widget_iterator()).get("napari-showermask"),
    "samples": {k: s["display_name"] for p, d in _npe2.sample_iterator() for k, s in d.items()
                if p == "napari-showermask"},
    "sample_layers": [layer[1]["name"] for layer in opener()],
}))
"""


@pytest.mark.slow
def test_plugin_manager_installs_the_wheel_into_a_fresh_napari(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = dists
    fresh = tmp_path / "fresh"
    exe, env = fresh_environment(fresh)
    # The user's napari: the same version as this environment's, with a Qt binding and the
    # plugin manager (with uv, which it then installs with, as napari's own tests do).
    napari = f"napari[pyqt6]=={importlib.metadata.version('napari')}"
    uv_install(exe, env, napari, "napari-plugin-manager[uv]")
    listed = "import importlib.metadata as m; print(sorted(d.name for d in m.distributions()))"
    assert "napari-showermask" not in python(listed, env, exe)

    installed = json.loads(python(INSTALL, env, exe, str(wheel)))
    assert installed == {"tool": "NapariUvInstallerTool", "jobs": [["install", 0]]}

    found = json.loads(python(LIST, env, exe))
    assert Path(found["file"]).resolve().is_relative_to(fresh.resolve())
    assert found["readers"].get("napari-showermask") == "JWST MIRI Shower Masking"
    assert "shower catalog (ECSV or DS9 regions)" in found["writers"]
    assert found["widgets"] == ["Shower Masking"]
    assert found["samples"] == {"synthetic_miri_showers": "Synthetic MIRI showers"}
    stem = "miri_showers_demo_jump"
    assert found["sample_layers"] == [f"{stem} difference", f"{stem} DQ", f"{stem} showers"]
    done = subprocess.run([exe, "-m", "npe2", "validate", "napari-showermask"], env=env)
    assert done.returncode == 0
