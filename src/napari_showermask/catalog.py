"""Shower catalogs: the `Shower` record and its ECSV and DS9 region file formats.

Conventions (stated once, here): ``integration`` and ``group`` are 0-based, ``group`` is
the shower's first group; ``x`` and ``y`` are 0-based pixel coordinates, pixel (x, y)
being the centre of ``SCI[..., y, x]``; ``semi_major`` and ``semi_minor`` are in pixels;
``theta`` is in degrees counter-clockwise from +x with the image shown origin lower-left
(as DS9 shows it). DS9 region files are 1-based; `regions` converts.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
from astropy.table import Table
from regions import (
    CirclePixelRegion,
    EllipsePixelRegion,
    PixCoord,
    RegionMeta,
    Regions,
)

from .errors import ShowerMaskError

__all__ = [
    "COLUMNS",
    "Shower",
    "read_catalog",
    "showers_from_table",
    "showers_to_table",
    "write_catalog",
]

#: The catalog's required columns, in order.
COLUMNS = ("integration", "group", "x", "y", "semi_major", "semi_minor", "theta")


@dataclass(frozen=True)
class Shower:
    """One shower: where it is, and from which group of which integration it is masked.

    Parameters
    ----------
    integration : int
        0-based integration index.
    group : int
        0-based index of the shower's first group.
    x, y : float
        Ellipse centre in 0-based pixel coordinates.
    semi_major, semi_minor : float
        Semi-axes in pixels (both > 0).
    theta : float
        Angle of the semi-major axis, degrees counter-clockwise from +x.
    extra : mapping, optional
        Further catalog columns (``source``, ``score``, ``note``...) kept on round trips.
    """

    integration: int
    group: int
    x: float
    y: float
    semi_major: float
    semi_minor: float
    theta: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in ("integration", "group"):
            value = getattr(self, name)
            if isinstance(value, bool) or not float(value).is_integer():
                raise ValueError(f"{name} must be a whole number, not {value!r}")
            if value < 0:
                raise ValueError(f"{name} must be >= 0, not {value}")
            object.__setattr__(self, name, int(value))
        for name in ("x", "y", "semi_major", "semi_minor", "theta"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, not {value}")
            object.__setattr__(self, name, value)
        if self.semi_major <= 0 or self.semi_minor <= 0:
            raise ValueError(
                f"semi-axes must be > 0, not {self.semi_major:g} and {self.semi_minor:g}"
            )

    def moved(self, **changes: Any) -> Shower:
        """Return a copy with some fields changed (same validation)."""
        return replace(self, **changes)


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


def showers_from_table(table: Table, source: str | os.PathLike = "catalog") -> list[Shower]:
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


def read_catalog(path: str | os.PathLike) -> list[Shower]:
    """Read a shower catalog from an ECSV table or a DS9 region file (``.reg``).

    Parameters
    ----------
    path : str or path-like
        ``*.reg`` is read as DS9 regions (image coordinates; ellipses and circles, each
        with ``tag={integration=N} tag={group=N}``); anything else as ECSV.

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
        return _read_regions(path)
    try:
        table = Table.read(path, format="ascii.ecsv")
    except Exception as exc:  # astropy raises many types for a malformed table
        raise ShowerMaskError(f"{path}: not a readable ECSV catalog ({_reason(exc)})") from None
    return showers_from_table(table, path)


def write_catalog(
    showers: Iterable[Shower], path: str | os.PathLike, overwrite: bool = False
) -> Path:
    """Write showers as ECSV, or as DS9 regions when the name ends in ``.reg``.

    Parameters
    ----------
    showers : iterable of Shower
    path : str or path-like
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ShowerMaskError(f"{path}: exists (use overwrite to replace it)")
    showers = list(showers)
    try:
        if path.suffix.lower() == ".reg":
            text = Regions([_to_region(s) for s in showers]).serialize(format="ds9")
            path.write_text(text)
        else:
            showers_to_table(showers).write(path, format="ascii.ecsv", overwrite=True)
    except OSError as exc:
        raise ShowerMaskError(f"{path}: cannot write ({_reason(exc)})") from None
    return path


def _to_region(shower: Shower) -> EllipsePixelRegion:
    tags = [f"integration={shower.integration}", f"group={shower.group}"]
    tags += [f"{k}={v}" for k, v in shower.extra.items()]
    meta = RegionMeta({"text": f"int {shower.integration} grp {shower.group}", "tag": tags})
    return EllipsePixelRegion(
        PixCoord(shower.x, shower.y),
        width=2 * shower.semi_major,
        height=2 * shower.semi_minor,
        angle=shower.theta * u.deg,
        meta=meta,
    )


_TAG = re.compile(r"^\s*([A-Za-z_][\w]*)\s*=\s*(.*?)\s*$")


def _read_regions(path: Path) -> list[Shower]:
    try:
        regions = Regions.read(path, format="ds9")
    except Exception as exc:  # regions raises its own parser errors
        raise ShowerMaskError(f"{path}: not a readable DS9 region file ({_reason(exc)})") from None
    showers = []
    for n, region in enumerate(regions, start=1):
        if isinstance(region, EllipsePixelRegion):
            a, b = region.width / 2, region.height / 2
            theta = region.angle.to_value(u.deg)
        elif isinstance(region, CirclePixelRegion):
            a = b = region.radius
            theta = 0.0
        else:
            kind = type(region).__name__.replace("Region", "")
            raise ShowerMaskError(
                f"{path}: region {n} is {kind}; only image-coordinate ellipses and "
                "circles are shower regions"
            )
        fields: dict[str, Any] = {}
        for tag in region.meta.get("tag", []):
            match = _TAG.match(str(tag))
            if match:
                fields[match.group(1)] = _number(match.group(2))
        if "integration" not in fields or "group" not in fields:
            raise ShowerMaskError(
                f"{path}: region {n} has no tag={{integration=N}} tag={{group=N}}"
            )
        extra = {k: v for k, v in fields.items() if k not in COLUMNS}
        try:
            showers.append(
                Shower(
                    fields["integration"],
                    fields["group"],
                    region.center.x,
                    region.center.y,
                    a,
                    b,
                    theta,
                    extra=extra,
                )
            )
        except (ValueError, TypeError) as exc:
            raise ShowerMaskError(f"{path}: region {n}: {exc}") from None
    return showers


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _reason(exc: BaseException) -> str:
    """One line describing an exception."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
