"""The `Shower` record: one ellipse and the group from which it is masked.

Conventions (stated once, here): ``integration`` and ``group`` are 0-based, ``group`` is
the shower's first group; ``x`` and ``y`` are 0-based pixel coordinates, pixel (x, y)
being the centre of ``SCI[..., y, x]``; ``semi_major`` and ``semi_minor`` are in pixels;
``theta`` is in degrees counter-clockwise from +x with the image shown origin lower-left
(as DS9 shows it). File formats live in `napari_showermask.io.catalog` (ECSV) and
`napari_showermask.io.ds9` (DS9 regions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["COLUMNS", "Shower"]

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
