"""Shower catalogs as files: ECSV tables, and DS9 region files through `napari_showermask.io.ds9`.

The conventions of a shower's fields are stated in `napari_showermask.core.shower`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.shower import COLUMNS, Shower
from napari_showermask.io.publish import atomic_output

if TYPE_CHECKING:
    from astropy.table import Table

__all__ = [
    "COLUMNS",
    "Shower",
    "read_catalog",
    "showers_from_table",
    "showers_to_table",
    "write_catalog",
]


def showers_to_table(showers: Iterable[Shower]) -> Table:
    """Return an astropy Table with the contract columns plus any extra columns.

    Parameters
    ----------
    showers : iterable of Shower
        The showers, in catalog order.

    Returns
    -------
    astropy.table.Table
        One row per shower; extras missing from some rows are filled with blanks/NaN.
    """
    from astropy import units as u
    from astropy.table import Table

    showers = list(showers)
    table = Table()
    table["integration"] = np.array([s.integration for s in showers], dtype=np.int64)
    table["group"] = np.array([s.group for s in showers], dtype=np.int64)
    for name in COLUMNS[2:]:
        table[name] = np.array([getattr(s, name) for s in showers], dtype=np.float64)
    extras: list[str] = []
    for s in showers:
        extras += [k for k in s.extra if k not in extras and k not in COLUMNS]
    for name in extras:
        values = [s.extra.get(name) for s in showers]
        if all(isinstance(v, int | float | np.number) or v is None for v in values):
            table[name] = np.array([np.nan if v is None else v for v in values])
        else:
            table[name] = np.array(["" if v is None else str(v) for v in values])
    table["x"].unit = table["y"].unit = u.pix
    table["semi_major"].unit = table["semi_minor"].unit = u.pix
    table["theta"].unit = u.deg
    return table


def showers_from_table(table: Table, source: str | os.PathLike[str] = "catalog") -> list[Shower]:
    """Validate a table and turn its rows into showers.

    Parameters
    ----------
    table : astropy.table.Table
        Must have the contract columns; others are kept in `Shower.extra`.
    source : str or path-like
        Named in error messages.

    Returns
    -------
    list of Shower

    Raises
    ------
    ShowerMaskError
        A column is missing, or a row has a NaN, a negative index or a non-positive axis.
    """
    missing = [c for c in COLUMNS if c not in table.colnames]
    if missing:
        raise ShowerMaskError(f"{source}: missing column(s) {', '.join(missing)}")
    for name in COLUMNS:
        column = table[name]
        if column.dtype.kind not in "iuf":
            sample = next((v for v in column if v is not np.ma.masked), "")
            what = "whole numbers" if name in COLUMNS[:2] else "numbers"
            held = "booleans" if column.dtype.kind == "b" else "text"
            raise ShowerMaskError(
                f"{source}: column {name} holds {held} (e.g. {_plain(sample)!r}); "
                f"it must hold {what}"
            )
    extras = [c for c in table.colnames if c not in COLUMNS]
    showers = []
    for n, row in enumerate(table):
        values = {c: _plain(row[c]) for c in COLUMNS}
        try:
            showers.append(Shower(**values, extra={c: _plain(row[c]) for c in extras}))
        except (ValueError, TypeError) as exc:
            raise ShowerMaskError(f"{source}: row {n}: {exc}") from None
    return showers


def _plain(value: Any) -> Any:
    """Turn a numpy scalar or masked value into a plain Python value."""
    if value is np.ma.masked:
        return float("nan")
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_catalog(path: str | os.PathLike[str], kind: str | None = None) -> list[Shower]:
    """Read a shower catalog from an ECSV table or a DS9 region file (``.reg``).

    Parameters
    ----------
    path : str or path-like
        ``*.reg`` is read as DS9 regions (see `napari_showermask.io.ds9`); anything else as
        ECSV.
    kind : {'ramp', 'rateints', 'rate'}, optional
        The product the catalog is for. DS9 regions then need only the tags that kind
        uses: none for rate, ``integration`` for rateints, both for ramps (the default).

    Returns
    -------
    list of Shower

    Raises
    ------
    ShowerMaskError
        The file is missing or unreadable, or its content is not a valid catalog.
    """
    path = Path(path)
    if not path.is_file():
        raise ShowerMaskError(f"{path}: no such catalog file")
    if path.suffix.lower() == ".reg":
        from napari_showermask.io.ds9 import read_ds9

        return read_ds9(path, kind)
    from astropy.table import Table

    try:
        table = Table.read(path, format="ascii.ecsv")
    except Exception as exc:  # astropy raises many types for a malformed table
        raise ShowerMaskError(f"{path}: not a readable ECSV catalog ({_reason(exc)})") from None
    return showers_from_table(table, path)


def write_catalog(
    showers: Iterable[Shower],
    path: str | os.PathLike[str],
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write showers as ECSV, or as DS9 regions when the name ends in ``.reg``.

    The file appears complete or not at all (`napari_showermask.io.publish.atomic_output`).

    Parameters
    ----------
    showers : iterable of Shower
    path : str or path-like
    overwrite : bool
        Replace an existing file.
    inputs : iterable of str or path-like
        Files being read (the product, other catalogs): the catalog is never written
        over any of them, even with ``overwrite``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ShowerMaskError
        The path is an input, exists (without ``overwrite``) or cannot be written.
    """
    path = Path(path)
    showers = list(showers)
    if path.suffix.lower() == ".reg":
        from napari_showermask.io.ds9 import ds9_text

        text = ds9_text(showers)
    else:
        stream = io.StringIO()
        showers_to_table(showers).write(stream, format="ascii.ecsv")
        text = stream.getvalue()
    with atomic_output(path, inputs, overwrite) as handle:
        handle.write(text.encode("utf-8"))
    return path


def _reason(exc: BaseException) -> str:
    """One line describing an exception."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
