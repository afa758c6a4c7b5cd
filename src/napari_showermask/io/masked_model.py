"""Write a masked copy of a data model held in memory (``write_masked`` given a model).

A model has no file whose bytes could be kept, so its masked copy is saved as the model
would save itself (stdatamodels' FITS layout), with the same DQ bits and HISTORY as
`napari_showermask.io.masked.write_masked` gives a file, published the same way
(`napari_showermask.io.publish.atomic_output`). The model given is never changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from napari_showermask import __version__
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import check_showers, mask_array
from napari_showermask.core.models import model_hdulist, model_kind, model_name
from napari_showermask.io.catalog import catalog_showers
from napari_showermask.io.history import history_lines
from napari_showermask.io.paths import check_output
from napari_showermask.io.publish import atomic_output

__all__ = ["write_masked_model"]


def write_masked_model(
    model: Any,
    catalog: Any,
    output: str | os.PathLike[str] | None,
    overwrite: bool = False,
    catalog_name: str | os.PathLike[str] = "catalog",
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Save a masked copy of a ramp, rateints or rate model as a FITS file.

    Parameters
    ----------
    model : stdatamodels.DataModel
        ``RampModel``, ``CubeModel`` or ``ImageModel``; left as it is.
    catalog : sequence of Shower, astropy.table.Table, or str / path-like
        The showers, or a catalog file to read them from.
    output : str or path-like
        Required: a model has no file beside which to write.
    overwrite : bool
        Replace an existing output (never an input).
    catalog_name : str or path-like
        Named in error messages about catalog rows.
    inputs : iterable of str or path-like
        Files the output may not be.

    Returns
    -------
    pathlib.Path
        The output path.

    Raises
    ------
    TypeError
        No ``output``, or a model of another kind.
    ShowerMaskError
        As `napari_showermask.io.masked.write_masked`.
    """
    kind = model_kind(model)
    if kind is None:
        raise TypeError(
            f"write_masked takes a RampModel, CubeModel or ImageModel, not {type(model).__name__}"
        )
    if output is None:
        raise TypeError(
            f"write_masked: give output= for {model_name(model)} (a model in memory has no "
            "file beside which to write)"
        )
    output = Path(output)
    sources = [*inputs]
    if isinstance(catalog, str | os.PathLike):
        sources.append(Path(catalog))
    if output.name.lower().endswith(".gz"):
        raise ShowerMaskError(
            f"{output}: compressed output is not written; give a .fits name (gzip it after)"
        )
    check_output(output, sources, overwrite)
    showers, catalog_name = catalog_showers(catalog, kind, catalog_name)
    check_showers(showers, kind, tuple(model.data.shape), catalog_name)
    masked = model.copy()
    try:
        mask_array(masked, showers, kind)
        software = {"name": "napari-showermask", "version": __version__}
        named = Path(catalog_name).name
        for line in history_lines(showers, kind, named):
            masked.add_history_entry(line, software=software)
        masked.meta.filename = output.name
        masked.meta.model_type = type(model).__name__
        hdul = model_hdulist(masked)
        with atomic_output(output, sources, overwrite) as handle:
            hdul.writeto(handle)
    finally:
        masked.close()
    return output
