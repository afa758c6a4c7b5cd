"""Shower catalogs as astropy tables, both ways, with their units.

A catalog table has the columns of `napari_showermask.core.shower.COLUMNS`; further
columns (``source``, ``score``, ``note``...) travel in `Shower.extra`. Units are honoured:
``theta`` may be in any angle unit (degrees when it has none); ``x``, ``y`` and the
semi-axes are in pixels (no unit, or ``pix``); ``integration`` and ``group`` are counts
(no unit). Any other unit (``arcsec`` on an axis, ``pix`` on ``theta``) is refused with one
line naming the column, never converted by guesswork.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.shower import COLUMNS, Shower

if TYPE_CHECKING:
    from astropy.table import QTable, Table

__all__ = ["as_showers", "is_table", "showers_from_table", "showers_to_table"]

PIXEL_COLUMNS = ("x", "y", "semi_major", "semi_minor")


def showers_to_table(showers: Iterable[Shower]) -> QTable:
    """Return the showers as a table with units (``pix`` and ``deg``).

    Parameters
    ----------
    showers : iterable of Shower
        The showers, in catalog order.

    Returns
    -------
    astropy.table.QTable
        One row per shower: ``integration`` and ``group`` (integers), ``x``, ``y``,
        ``semi_major``, ``semi_minor`` (quantities in ``pix``), ``theta`` (in ``deg``),
        then the showers' extra columns (missing values blank, or NaN for numbers).

    Examples
    --------
    >>> from napari_showermask import Shower, showers_to_table
    >>> table = showers_to_table([Shower(0, 5, 120.0, 80.0, 12.0, 6.0, 30.0)])
    >>> table["theta"].unit, table["x"].unit
    (Unit("deg"), Unit("pix"))
    """
    from astropy import units as u
    from astropy.table import QTable

    showers = list(showers)
    table = QTable()
    table["integration"] = np.array([s.integration for s in showers], dtype=np.int64)
    table["group"] = np.array([s.group for s in showers], dtype=np.int64)
    for name in COLUMNS[2:]:
        unit = u.deg if name == "theta" else u.pix
        table[name] = np.array([getattr(s, name) for s in showers], dtype=np.float64) * unit
    extras: list[str] = []
    for s in showers:
        extras += [k for k in s.extra if k not in extras and k not in COLUMNS]
    for name in extras:
        values = [s.extra.get(name) for s in showers]
        if all(isinstance(v, int | float | np.number) or v is None for v in values):
            table[name] = np.array([np.nan if v is None else v for v in values])
        else:
            table[name] = np.array(["" if v is None else str(v) for v in values])
    return table


def showers_from_table(table: Table, source: str | os.PathLike[str] = "table") -> list[Shower]:
    """Validate a table (units included) and turn its rows into showers.

    Parameters
    ----------
    table : astropy.table.Table or astropy.table.QTable
        Must have the catalog columns; others are kept in `Shower.extra`. ``theta`` in
        any angle unit is converted to degrees; ``x``, ``y`` and the semi-axes must have
        no unit or ``pix``.
    source : str or path-like
        Named in error messages (the file the table was read from).

    Returns
    -------
    list of Shower

    Raises
    ------
    ShowerMaskError
        A column is missing, holds text, or has a unit that is not its own (a sky unit
        on a pixel column, a non-angle on ``theta``); or a row has a NaN, a negative
        index or a non-positive axis.

    Examples
    --------
    >>> from astropy.table import Table
    >>> from napari_showermask import showers_from_table
    >>> table = Table(
    ...     {"integration": [0], "group": [5], "x": [120.0], "y": [80.0],
    ...      "semi_major": [12.0], "semi_minor": [6.0], "theta": [0.5]},
    ... )
    >>> table["theta"].unit = "rad"
    >>> round(showers_from_table(table)[0].theta, 3)
    28.648
    """
    missing = [c for c in COLUMNS if c not in table.colnames]
    if missing:
        raise ShowerMaskError(f"{source}: missing column(s) {', '.join(missing)}")
    values = {name: _values(table[name], name, source) for name in COLUMNS}
    extras = [c for c in table.colnames if c not in COLUMNS]
    extra_values = {c: _extra_values(table[c]) for c in extras}
    showers = []
    for n in range(len(table)):
        row = {c: _plain(values[c][n]) for c in COLUMNS}
        try:
            showers.append(Shower(**row, extra={c: _plain(extra_values[c][n]) for c in extras}))
        except (ValueError, TypeError) as exc:
            raise ShowerMaskError(f"{source}: row {n}: {exc}") from None
    return showers


def _values(column: Any, name: str, source: str | os.PathLike[str]) -> np.ndarray:
    """Return a catalog column's numbers in degrees or pixels (NaN where masked)."""
    from astropy import units as u

    unit = getattr(column, "unit", None)
    data = column.value if isinstance(column, u.Quantity) else column
    kind = np.asarray(data).dtype.kind
    if kind not in "iuf":
        sample = next((v for v in data if v is not np.ma.masked), "")
        what = "whole numbers" if name in COLUMNS[:2] else "numbers"
        held = "booleans" if kind == "b" else "text"
        raise ShowerMaskError(
            f"{source}: column {name} holds {held} (e.g. {_plain(sample)!r}); it must hold {what}"
        )
    array = np.ma.filled(np.ma.asarray(data), np.nan) if kind == "f" else np.ma.asarray(data)
    if unit is None or unit == u.dimensionless_unscaled:
        return np.asarray(array)
    unit = u.Unit(unit)
    if name == "theta" and unit.physical_type == "angle":
        return np.asarray((np.asarray(array, np.float64) * unit).to_value(u.deg))
    if name in PIXEL_COLUMNS and unit == u.pix:
        return np.asarray(array)
    raise ShowerMaskError(f"{source}: column {name} is in {unit}; {_expected(name, unit)}")


def _expected(name: str, unit: Any) -> str:
    """Say what a column's unit must be, for the unit that was found."""
    if name == "theta":
        return "theta must be an angle (deg, rad...), or have no unit for degrees"
    if name in PIXEL_COLUMNS:
        sky = " (a sky unit: convert to pixels with the exposure's WCS first)"
        return "it must be in pixels (pix, or no unit)" + (
            sky if unit.physical_type == "angle" else ""
        )
    return f"{name} is a count and has no unit"


def _extra_values(column: Any) -> Any:
    """Return an extra column's values as stored (a quantity's numbers, unit dropped)."""
    return getattr(column, "value", column)


def _plain(value: Any) -> Any:
    """Turn a numpy scalar or masked value into a plain Python value."""
    if value is np.ma.masked:
        return float("nan")
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_table(value: object) -> TypeGuard[Table]:
    """Whether a value is an astropy table (Table, QTable) without importing astropy.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    table = sys.modules.get("astropy.table")  # not imported: cannot be a table
    return table is not None and isinstance(value, table.Table)


def as_showers(catalog: Any, source: str | os.PathLike[str] = "catalog") -> list[Shower]:
    """Return the showers of an in-memory catalog: showers, or an astropy table.

    Parameters
    ----------
    catalog : sequence of Shower, or astropy.table.Table / QTable
    source : str or path-like
        Named in error messages about the table's columns and rows.

    Returns
    -------
    list of Shower

    Raises
    ------
    TypeError
        Anything else (a file path must be read first, e.g. with ``read_catalog``).
    ShowerMaskError
        A table that is not a valid catalog.
    """
    if is_table(catalog):
        return showers_from_table(catalog, source)
    if isinstance(catalog, str | bytes | os.PathLike):
        raise TypeError(
            f"showers must be Shower records or an astropy Table, not the path {catalog!r} "
            "(read it with read_catalog)"
        )
    items = list(catalog) if isinstance(catalog, Iterable) else [catalog]
    wrong = next((s for s in items if not isinstance(s, Shower)), None)
    if wrong is not None:
        held = "" if wrong is catalog else f" holding {type(wrong).__name__}"
        raise TypeError(
            "showers must be a sequence of Shower records or an astropy Table, not "
            f"{type(catalog).__name__}{held}"
        )
    return items
