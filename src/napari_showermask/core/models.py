"""stdatamodels models (``RampModel``, ``CubeModel``, ``ImageModel``) held in memory, as FITS.

Functions that take a product accept an open data model as well as a path: the model is
laid out as the FITS file it would save as (`model_hdulist`: the same extensions and
headers, ``DATAMODL`` included), without writing it and without copying its arrays.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from astropy.io import fits

__all__ = ["is_datamodel", "model_hdulist", "model_kind", "model_name"]


def is_datamodel(value: object) -> bool:
    """Whether a value is a stdatamodels data model (without importing stdatamodels).

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    module = sys.modules.get("stdatamodels")  # not imported: cannot be a model
    return module is not None and isinstance(value, module.DataModel)


def model_hdulist(model: Any) -> fits.HDUList:
    """Return the HDU list a data model would save as, sharing the model's arrays.

    Parameters
    ----------
    model : stdatamodels.DataModel

    Returns
    -------
    astropy.io.fits.HDUList
        In memory (no file); its arrays are the model's own: copy before changing them.
    """
    from stdatamodels import fits_support

    return fits_support.to_fits(model.instance, model.schema)


def model_name(model: Any) -> Path:
    """Return the name a data model is known by: its file name, or ``<ModelClass>``.

    Parameters
    ----------
    model : stdatamodels.DataModel

    Returns
    -------
    pathlib.Path
    """
    filename = getattr(getattr(model, "meta", None), "filename", None)
    return Path(filename or f"<{type(model).__name__}>")


def model_kind(model: Any) -> str | None:
    """Return the kind of product a data model holds, from its class (or a parent's).

    Parameters
    ----------
    model : stdatamodels.DataModel

    Returns
    -------
    {'ramp', 'rateints', 'rate'} or None
        None for other models.
    """
    from napari_showermask.core.dq import KIND_BY_MODEL

    names = (cls.__name__ for cls in type(model).__mro__)
    return next((KIND_BY_MODEL[n] for n in names if n in KIND_BY_MODEL), None)
