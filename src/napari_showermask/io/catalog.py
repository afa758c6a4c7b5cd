"""Shower catalogs as files: ECSV tables, and DS9 region files through `napari_showermask.io.ds9`.

The conventions of a shower's fields are stated in `napari_showermask.core.shower`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from napari_showermask.core.errors import ShowerMaskError, not_a_file, os_reason
from napari_showermask.core.shower import COLUMNS, Shower
from napari_showermask.core.tables import (
    as_showers,
    is_table,
    showers_from_table,
    showers_to_table,
)
from napari_showermask.io.publish import atomic_output

if TYPE_CHECKING:
    from astropy.table import QTable, Table

__all__ = [
    "COLUMNS",
    "Shower",
    "provenance",
    "read_catalog",
    "showers_from_table",
    "showers_to_table",
    "write_catalog",
]


@overload
def read_catalog(
    path: str | os.PathLike[str] | Table,
    kind: str | None = None,
    *,
    as_table: Literal[False] = False,
) -> list[Shower]: ...


@overload
def read_catalog(
    path: str | os.PathLike[str] | Table, kind: str | None = None, *, as_table: Literal[True]
) -> QTable: ...


def read_catalog(
    path: str | os.PathLike[str] | Table, kind: str | None = None, *, as_table: bool = False
) -> list[Shower] | QTable:
    """Read a shower catalog: an ECSV or CSV table, or a DS9 region file (``.reg``).

    Parameters
    ----------
    path : str, path-like or astropy.table.Table
        ``*.reg`` is read as DS9 regions (see `napari_showermask.io.ds9`); anything else as
        a table: ECSV (its column units honoured: ``theta`` in any angle unit, the
        others in pixels) or, without an ECSV header, CSV with the same columns. A UTF-8
        byte-order mark is accepted. An astropy table given instead of a path is checked
        the same way.
    kind : {'ramp', 'rateints', 'rate'}, optional
        The product the catalog is for. DS9 regions then need only the tags that kind
        uses: none for rate, ``integration`` for rateints, both for ramps (the default).
    as_table : bool
        Return a `~astropy.table.QTable` (see `showers_to_table`; the file's metadata in
        ``table.meta``) instead of a list of showers.

    Returns
    -------
    list of Shower or astropy.table.QTable

    Raises
    ------
    ShowerMaskError
        The file is missing or unreadable, or its content is not a valid catalog (one
        line naming the file, and the column or row).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import napari_showermask as sm
    >>> path = Path(tempfile.mkdtemp()) / "x_jump_showers.ecsv"
    >>> path = sm.write_catalog([sm.Shower(0, 5, 120, 80, 12, 6, 30)], path)
    >>> sm.read_catalog(path)[0].theta
    30.0
    >>> sm.read_catalog(path, as_table=True)["x"]
    <Quantity [120.] pix>
    """
    meta: dict[str, Any] = {}
    if is_table(path):
        meta = dict(path.meta)
        showers = showers_from_table(path)
    else:
        if not isinstance(path, str | os.PathLike):
            raise TypeError(
                "read_catalog takes a file path (ECSV, CSV or DS9 .reg) or an astropy Table, "
                f"not {type(path).__name__}"
            )
        path = Path(path)
        if not path.is_file():
            raise not_a_file(path, "catalog file")
        if path.suffix.lower() == ".reg":
            from napari_showermask.io.ds9 import read_ds9

            showers = read_ds9(path, kind)
        else:
            table = _read_table(path)
            meta = dict(table.meta)
            showers = showers_from_table(table, path)
    if not as_table:
        return showers
    out = showers_to_table(showers)
    out.meta.update(meta)
    return out


def catalog_showers(
    catalog: Any, kind: str | None = None, name: str | os.PathLike[str] = "catalog"
) -> tuple[list[Shower], str | os.PathLike[str]]:
    """Return the showers of a catalog given as showers, a table or a file, and its name.

    Parameters
    ----------
    catalog : sequence of Shower, astropy.table.Table, or str / path-like
        A path is read with `read_catalog` (``kind`` as there).
    kind : {'ramp', 'rateints', 'rate'}, optional
    name : str or path-like
        The catalog's name in messages, when it is not a file.

    Returns
    -------
    tuple of (list of Shower, str or path-like)
        The showers, and the file they were read from (or ``name``).
    """
    if isinstance(catalog, str | os.PathLike):
        return read_catalog(catalog, kind), Path(catalog)
    return as_showers(catalog, name), name


def _read_table(path: Path) -> Table:
    """Read an ECSV table, or a CSV table when the file has no ECSV header."""
    from astropy.table import Table

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ShowerMaskError(f"{path}: not a readable catalog (not UTF-8 text)") from None
    except OSError as exc:
        raise ShowerMaskError(f"{path}: cannot read ({os_reason(exc)})") from None
    ecsv = text.lstrip().startswith("# %ECSV")
    try:
        table = Table.read(text.splitlines(), format="ascii.ecsv" if ecsv else "ascii.csv")
    except Exception as exc:  # astropy raises many types for a malformed table
        what = "ECSV" if ecsv else "CSV"
        raise ShowerMaskError(f"{path}: not a readable {what} catalog ({_reason(exc)})") from None
    if not ecsv and not set(COLUMNS) & set(table.colnames):
        what = "ECSV catalog" if path.suffix.lower() == ".ecsv" else "catalog"
        raise ShowerMaskError(
            f"{path}: not a readable {what} (no ECSV header, and read as CSV it has none "
            f"of the columns {', '.join(COLUMNS)})"
        )
    return table


def write_catalog(
    showers: Iterable[Shower] | Table,
    path: str | os.PathLike[str],
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write showers as ECSV (with units and provenance), or as DS9 regions (``.reg``).

    The file appears complete or not at all (`napari_showermask.io.publish.atomic_output`).
    The ECSV's metadata records ``software`` (this tool and its version), ``date`` (UTC),
    ``input`` (the name of the first of ``inputs``: the product the catalog is for), the
    metadata of a table given as ``showers``, and ``meta``.

    Parameters
    ----------
    showers : iterable of Shower, or astropy.table.Table
        A table is checked and converted as `showers_from_table` does.
    path : str or path-like
    overwrite : bool
        Replace an existing file.
    inputs : iterable of str or path-like
        Files being read (the product first, other catalogs): the catalog is never
        written over any of them, even with ``overwrite``.
    meta : mapping, optional
        Further metadata (e.g. the detection parameters), plain values only.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ShowerMaskError
        The path is an input, exists (without ``overwrite``) or cannot be written; or a
        table given is not a valid catalog.
    """
    path = Path(path)
    inputs = list(inputs)
    given = dict(showers.meta) if is_table(showers) else {}
    showers = as_showers(showers, "table")
    if path.suffix.lower() == ".reg":
        from napari_showermask.io.ds9 import ds9_text

        text = ds9_text(showers)
    else:
        from astropy.table import Table

        table = Table(showers_to_table(showers))  # plain columns: units in the ECSV header
        table.meta.update(given)
        table.meta.update(provenance(inputs[0] if inputs else None))
        table.meta.update(meta or {})
        stream = io.StringIO()
        table.write(stream, format="ascii.ecsv")
        text = stream.getvalue()
    with atomic_output(path, inputs, overwrite) as handle:
        handle.write(text.encode("utf-8"))
    return path


def provenance(product: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Return the metadata every written catalog carries: software, date, input.

    Parameters
    ----------
    product : str or path-like, optional
        The file the catalog is for; its name is recorded as ``input``.

    Returns
    -------
    dict
        ``software`` (``napari-showermask <version>``), ``date`` (UTC, ISO 8601), and
        ``input`` when a product is given.
    """
    from napari_showermask import __version__

    found = {
        "software": f"napari-showermask {__version__}",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if product is not None:
        found["input"] = Path(product).name
    return found


def _reason(exc: BaseException) -> str:
    """One line describing an exception."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
