"""Mask JWST MIRI cosmic-ray showers in ramp, rate and rateints products.

The public API is importable from here; each name is imported on first use, so
``import napari_showermask`` stays light (no numpy, astropy, napari or Qt)::

    import napari_showermask as sm

    product = sm.open_product("x_jump.fits")
    candidates = sm.detect_showers(product)
    sm.write_catalog(candidates, sm.candidates_path("x_jump.fits"))
    showers = sm.read_catalog(sm.sidecar_path("x_jump.fits"))
    print(sm.write_masked("x_jump.fits", showers))

Catalogs are also astropy tables both ways (`showers_to_table`, `showers_from_table`,
``read_catalog(path, as_table=True)``), and the functions that take a catalog or a
product accept a table or a stdatamodels model as well.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module (under this package) that defines it.
_EXPORTS: dict[str, str] = {
    "Product": "core.products",
    "open_product": "core.products",
    "Shower": "core.shower",
    "read_catalog": "io.catalog",
    "write_catalog": "io.catalog",
    "showers_to_table": "core.tables",
    "showers_from_table": "core.tables",
    "mask_array": "core.masking",
    "detect_showers": "detect.detector",
    "DetectionCancelled": "detect.detector",
    "DetectionParams": "detect.params",
    "write_masked": "io.masked",
    "default_output": "io.masked",
    "sidecar_path": "io.paths",
    "candidates_path": "io.paths",
    "write_demo": "synthetic.demo",
    "ShowerMaskError": "core.errors",
    "apply_files": "pipeline.batch",
    "detect_files": "pipeline.batch",
    "FileResult": "pipeline.batch",
    "BatchProgress": "pipeline.batch",
    "RatePreview": "fit.preview",
    "PreviewCancelled": "fit.preview",
    "shower_residuals": "fit.residuals",
    "ShowerResidual": "fit.residuals",
}

__all__ = [
    "BatchProgress",
    "DetectionCancelled",
    "DetectionParams",
    "FileResult",
    "PreviewCancelled",
    "Product",
    "RatePreview",
    "Shower",
    "ShowerMaskError",
    "ShowerResidual",
    "__version__",
    "apply_files",
    "candidates_path",
    "default_output",
    "detect_files",
    "detect_showers",
    "mask_array",
    "open_product",
    "read_catalog",
    "shower_residuals",
    "showers_from_table",
    "showers_to_table",
    "sidecar_path",
    "write_catalog",
    "write_demo",
    "write_masked",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names too, before they are imported."""
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from napari_showermask.core.errors import ShowerMaskError
    from napari_showermask.core.masking import mask_array
    from napari_showermask.core.products import Product, open_product
    from napari_showermask.core.shower import Shower
    from napari_showermask.core.tables import showers_from_table, showers_to_table
    from napari_showermask.detect.detector import DetectionCancelled, detect_showers
    from napari_showermask.detect.params import DetectionParams
    from napari_showermask.fit.preview import PreviewCancelled, RatePreview
    from napari_showermask.fit.residuals import ShowerResidual, shower_residuals
    from napari_showermask.io.catalog import read_catalog, write_catalog
    from napari_showermask.io.masked import default_output, write_masked
    from napari_showermask.io.paths import candidates_path, sidecar_path
    from napari_showermask.pipeline.batch import (
        BatchProgress,
        FileResult,
        apply_files,
        detect_files,
    )
    from napari_showermask.synthetic.demo import write_demo
