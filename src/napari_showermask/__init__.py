"""Mask JWST MIRI cosmic-ray showers in ramp, rate and rateints products.

The public API is importable from here; each name is imported on first use, so
``import napari_showermask`` stays light (no numpy, astropy, napari or Qt)::

    import napari_showermask as sm

    product = sm.open_product("x_jump.fits")
    candidates = sm.detect_showers(product)
    sm.write_catalog(candidates, sm.candidates_path("x_jump.fits"))
    showers = sm.read_catalog(sm.sidecar_path("x_jump.fits"))
    print(sm.write_masked("x_jump.fits", showers))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module (under this package) that defines it.
_EXPORTS: dict[str, str] = {
    "Product": "products",
    "open_product": "products",
    "Shower": "shower",
    "read_catalog": "catalog",
    "write_catalog": "catalog",
    "mask_array": "masking",
    "detect_showers": "detection",
    "DetectionCancelled": "detection",
    "write_masked": "writer",
    "default_output": "writer",
    "sidecar_path": "outputs",
    "candidates_path": "outputs",
    "write_demo": "synthetic",
    "ShowerMaskError": "errors",
    "apply_files": "batch",
    "detect_files": "batch",
    "FileResult": "batch",
    "BatchProgress": "batch",
    "RatePreview": "preview",
    "PreviewCancelled": "preview",
    "shower_residuals": "residuals",
    "ShowerResidual": "residuals",
}

__all__ = [
    "BatchProgress",
    "DetectionCancelled",
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
    from .batch import BatchProgress, FileResult, apply_files, detect_files
    from .catalog import read_catalog, write_catalog
    from .detection import DetectionCancelled, detect_showers
    from .errors import ShowerMaskError
    from .masking import mask_array
    from .outputs import candidates_path, sidecar_path
    from .preview import PreviewCancelled, RatePreview
    from .products import Product, open_product
    from .residuals import ShowerResidual, shower_residuals
    from .shower import Shower
    from .synthetic import write_demo
    from .writer import default_output, write_masked
