"""What a catalog of detected showers records about its detection, and the precision it keeps.

Candidates are rounded to what the detection can tell (0.01 pixel for centres and
semi-axes, 0.1 degree for angles), so catalogs read as numbers, not 16-digit floats;
the masks they give differ from the unrounded ellipses' by at most an edge pixel that the
detection could not place anyway. The parameters a detection ran with are recorded in the
catalog's metadata (`detection_parameters`), beside the software, date and input that
`napari_showermask.io.catalog.write_catalog` records for every catalog.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from napari_showermask.core.shower import Shower

__all__ = ["PIXEL_DECIMALS", "THETA_DECIMALS", "detection_parameters", "rounded"]

#: Decimals kept for centres and semi-axes (0.01 pixel) and for theta (0.1 degree).
PIXEL_DECIMALS = 2
THETA_DECIMALS = 1

# Arguments of a detector that say how it runs, not what it finds.
_NOT_PARAMETERS = frozenset({"product", "progress", "cancelled", "workers", "params"})


def rounded(showers: Iterable[Shower]) -> list[Shower]:
    """Return the showers rounded to 0.01 pixel and 0.1 degree (extras kept as they are).

    Parameters
    ----------
    showers : iterable of Shower

    Returns
    -------
    list of Shower
        Semi-axes never round below 0.01 pixel; theta is kept in ``[-180, 180]``.
    """
    smallest = 10.0**-PIXEL_DECIMALS
    out = []
    for s in showers:
        out.append(
            s.moved(
                x=round(s.x, PIXEL_DECIMALS),
                y=round(s.y, PIXEL_DECIMALS),
                semi_major=max(round(s.semi_major, PIXEL_DECIMALS), smallest),
                semi_minor=max(round(s.semi_minor, PIXEL_DECIMALS), smallest),
                theta=round(s.theta, THETA_DECIMALS) + 0.0,  # no -0.0
            )
        )
    return out


def detection_parameters(source: Any) -> dict[str, Any]:
    """Return a detection's parameters as plain values, for a catalog's metadata.

    Parameters
    ----------
    source : dataclass instance, mapping or callable
        The parameters: a dataclass of them, a mapping of names to values, or the
        detector itself (its keyword defaults are the parameters it runs with when
        given none). Callbacks and the number of threads are not parameters and are
        left out.

    Returns
    -------
    dict
        Names to plain ``int``, ``float``, ``str``, ``bool`` or ``None`` values (lists
        for sequences), in name order.

    Raises
    ------
    TypeError
        ``source`` is none of the above.
    """
    if dataclasses.is_dataclass(source) and not isinstance(source, type):
        found: Mapping[str, Any] = {
            f.name: getattr(source, f.name) for f in dataclasses.fields(source)
        }
    elif isinstance(source, Mapping):
        found = source
    elif callable(source):
        found = _defaults(source)
    else:
        raise TypeError(
            "detection parameters come from a dataclass, a mapping or the detector, not "
            f"{type(source).__name__}"
        )
    return {k: _plain(v) for k, v in sorted(found.items()) if k not in _NOT_PARAMETERS}


def _defaults(function: Callable[..., Any]) -> dict[str, Any]:
    """Return the arguments of a function that have defaults, with those defaults."""
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _plain(value: Any) -> Any:
    """Return a value as plain data YAML writes: numbers, text, lists, dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return detection_parameters(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    item = getattr(value, "item", None)  # a numpy scalar
    return item() if callable(item) else str(value)
