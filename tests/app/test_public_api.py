"""The public API: a light import, lazy exports, and dependencies that match the imports."""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from support.python import PACKAGE, ROOT, python

import napari_showermask

HEAVY = ("numpy", "astropy", "napari", "qtpy", "PyQt6", "jwst", "stdatamodels", "dask")
IMPORT_NAME = {"scikit-image": "skimage"}
# Imported but not named in an extra: jwst's own ramp fitting (ratefit falls back to numpy).
EXTRA_PROVIDES = {"stcal"}


def test_import_is_light_and_names_load_on_use() -> None:
    loaded = f"sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))"
    out = python(f"import sys, napari_showermask; print({loaded})")
    assert out.strip() == "[]"
    out = python(f"import sys, napari_showermask as sm; sm.open_product; print({loaded})")
    assert "'numpy'" in out and not re.search("napari|qtpy|PyQt6|jwst", out), out


def test_public_api() -> None:
    from napari_showermask.core import masking, products
    from napari_showermask.detect import detector as detection
    from napari_showermask.io import catalog
    from napari_showermask.io import masked as writer
    from napari_showermask.io import paths as outputs

    exports = napari_showermask._EXPORTS
    assert set(napari_showermask.__all__) == {"__version__", *exports}
    assert set(napari_showermask.__all__) <= set(dir(napari_showermask))
    for name, module in exports.items():
        source = importlib.import_module(f"napari_showermask.{module}")
        assert getattr(napari_showermask, name) is getattr(source, name)
        assert getattr(source, name).__doc__, name
    assert napari_showermask.open_product is products.open_product
    assert napari_showermask.read_catalog is catalog.read_catalog
    assert napari_showermask.mask_array is masking.mask_array
    assert napari_showermask.detect_showers is detection.detect_showers
    assert napari_showermask.write_masked is writer.write_masked
    assert napari_showermask.sidecar_path is outputs.sidecar_path
    with pytest.raises(AttributeError, match="no attribute 'masked_array'"):
        napari_showermask.masked_array  # noqa: B018


def test_the_api_reference_lists_every_export() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    listed = re.findall(r"^   (\w+)$", page, flags=re.MULTILINE)  # autosummary entries
    missing = [n for n in napari_showermask._EXPORTS if n not in listed]
    assert not missing, f"exported but not in docs/api.md: {missing}"
    assert set(listed) <= set(napari_showermask._EXPORTS), "docs/api.md lists a private name"


def imports(path: Path) -> tuple[set[str], set[str]]:
    """Top-level names of the modules a file imports: at module level, and anywhere."""
    tree = ast.parse(path.read_text())
    found: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node, node.module.split(".")[0]))
    third_party = {n for _, n in found if n not in sys.stdlib_module_names} - {PACKAGE.name}
    module_level = {name for node, name in found if node in tree.body} & third_party
    return module_level, third_party


def requirement_modules(requirements: list[str]) -> set[str]:
    """Import names of the distributions a requirement list names."""
    names = {re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in requirements}
    return {IMPORT_NAME.get(n, n.replace("-", "_")) for n in names}


def dependencies() -> tuple[set[str], set[str]]:
    """Import names of the core dependencies, and of what only the extras bring."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = requirement_modules(project["dependencies"])
    extras = requirement_modules(sum(project["optional-dependencies"].values(), []))
    return core, (extras | EXTRA_PROVIDES) - core - {"napari_showermask", "pytest"}


def test_dependencies_match_the_imports() -> None:
    core, extra_only = dependencies()
    used: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        module_level, anywhere = imports(path)
        used |= anywhere
        assert anywhere <= core | extra_only, f"{path.name} imports {anywhere - core - extra_only}"
        if not module_level & extra_only:  # a core module
            assert module_level <= core, f"{path.name} imports {module_level - core}"
    assert core <= used, f"dependencies that nothing imports: {core - used}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    napari_extra = project["optional-dependencies"]["napari"]
    assert not [r for r in napari_extra if re.search(r"pyqt|pyside|\[", r, re.I)], napari_extra


# Import modules with the extras' packages made unimportable (and invisible to
# importlib.util.find_spec), as after `pip install napari-showermask` alone.
WITHOUT_EXTRAS = """
import importlib, json, sys
sys.modules.update(dict.fromkeys(json.loads(sys.argv[1])))  # None: "not installed"
failed = {}
for module in json.loads(sys.argv[2]):
    try:
        importlib.import_module(module)
    except ImportError as exc:
        failed[module] = str(exc)
print(json.dumps(failed))
"""


def test_core_modules_import_without_the_extras() -> None:
    core, extra_only = dependencies()
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module_level, _ = imports(path)
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if not module_level & extra_only and "._qt" not in name:
            modules.append(name.removesuffix(".__init__"))
    assert {"napari_showermask.cli", "napari_showermask.io.masked"} <= set(modules)
    args = [json.dumps(sorted(extra_only)), json.dumps(modules)]
    assert json.loads(python(WITHOUT_EXTRAS, None, sys.executable, *args)) == {}
