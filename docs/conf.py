"""Sphinx configuration for the napari-showermask documentation.

Build it (warnings are errors, as CI builds it)::

    python -m sphinx -W -b html docs docs/_build/html

The pages are Markdown (MyST), so they also read on GitHub; the API reference is generated
by autosummary from the package's numpydoc docstrings.

Links into the numpy, astropy, napari and jwst documentation (intersphinx) need the network,
so they are switched on only when ``SHOWERMASK_DOCS_INTERSPHINX=1`` is set; without it the
build is fully offline and those names are shown as plain text.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "src"))  # document this checkout, installed or not

import napari_showermask  # noqa: E402

project = "napari-showermask"
author = "napari-showermask developers"
copyright = f"{date.today().year}, {author}"
version = release = napari_showermask.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
templates_path = ["_templates"]
# Scripts that make the figures live here too; they are not pages.
exclude_patterns = ["_build", "**/__pycache__"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc states the types in the docstrings
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# Offline by default (see the module docstring).
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
if os.environ.get("SHOWERMASK_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "astropy": ("https://docs.astropy.org/en/stable", None),
        "napari": ("https://napari.org/stable", None),
        "jwst": ("https://jwst-pipeline.readthedocs.io/en/latest", None),
    }

html_theme = "pydata_sphinx_theme"
html_title = f"napari-showermask {release}"
html_theme_options = {
    "github_url": "https://github.com/napari-showermask/napari-showermask",
    "navigation_with_keys": False,
}
html_static_path: list[str] = []
