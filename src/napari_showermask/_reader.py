"""napari reader: a JWST ramp, rate or rateints product as difference, DQ and shower layers."""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Callable

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.identify import claims_product
from napari_showermask.core.products import open_product, product_kind
from napari_showermask.viewer.layerdata import (
    AXIS_LABELS,
    product_layers,
    showers_layer_kwargs,
)

__all__ = [
    "AXIS_LABELS",
    "get_reader",
    "product_layers",
    "read_or_report",
    "read_product",
    "showers_layer_kwargs",
]

FITS_NAMES = (".fits", ".fit", ".fits.gz")


def get_reader(path: str | list[str]) -> Callable[[str | list[str]], list[tuple]] | None:
    """Return a reader for a JWST ramp, rate or rateints product, else None.

    Parameters
    ----------
    path : str or list of str
        What napari asks about; a list is accepted only when it holds one path.

    Returns
    -------
    callable or None
        `read_or_report` for a product, or a file that claims to be a JWST product (a
        damaged one says why it cannot be read); None for anything else, other FITS files
        included, left to other readers. Never raises: only the headers are looked at
        (`napari_showermask.core.identify`).
    """
    if isinstance(path, list):
        path = path[0] if len(path) == 1 else ""
    if not str(path).lower().endswith(FITS_NAMES) or not _regular(path):
        return None  # a FIFO or a device named *.fits would block the viewer when read
    claimed = product_kind(path) is not None or claims_product(path)
    return read_or_report if claimed else None


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_product(path: str | list[str]) -> list[tuple]:
    """Open a product and return its layers (see `product_layers`).

    Parameters
    ----------
    path : str or list of str
        One product (the first path of a list).

    Returns
    -------
    list of tuple

    Raises
    ------
    ShowerMaskError
        A missing, damaged or non-product file: napari reports it and adds no layer.
    """
    if isinstance(path, list):
        path = path[0]
    layers = product_layers(open_product(path))
    _hold_ahead_in_viewer()
    return layers


def read_or_report(path: str | list[str]) -> list[tuple]:
    """Read a product like `read_product`; if it cannot be read, an error notification says why.

    Returns
    -------
    list of tuple
        The layers; for an unreadable file napari's "no layers" value ``[(None,)]`` once the
        notification (``<file>: <reason>``, as the command line prints it) is shown.
    """
    try:
        return read_product(path)
    except ShowerMaskError as exc:
        from napari.utils.notifications import show_error

        show_error(str(exc).strip().splitlines()[0])
        return [(None,)]


def _hold_ahead_in_viewer() -> None:
    """In napari, frames computed ahead start once its canvas drew (`_qt.drawn`)."""
    if "napari" not in sys.modules:  # never imported here: a script may read without it
        return
    if threading.current_thread() is threading.main_thread():
        from napari_showermask.viewer._qt.drawn import hold_ahead_until_drawn

        hold_ahead_until_drawn()
