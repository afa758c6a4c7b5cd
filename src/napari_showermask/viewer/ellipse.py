"""The ellipse being placed on one product: the slice it goes on, its position and shape.

Qt-free, like the `napari_showermask.viewer.session.MaskingSession` built on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from psygnal import Signal

from napari_showermask.core.dq import group_count, integration_count
from napari_showermask.core.geometry import corners_to_ellipse
from napari_showermask.core.shower import Shower
from napari_showermask.viewer.placement import shown_on

__all__ = ["EllipsePlacement"]


class EllipsePlacement:
    """The current ellipse on a product's slices, and the shape of the next one.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the product's ``SCI``.

    Attributes
    ----------
    semi_major, semi_minor, theta : float
        Shape given to the next placed ellipse (pixels, degrees counter-clockwise from +x;
        the sliders' values).
    current : Shower or None
        The ellipse being placed or edited (drawn red).
    editing : int or None
        Index of the marked shower `current` was taken from, if any.

    Notes
    -----
    Signals (no arguments): ``current_changed`` (current ellipse, editing), ``shape_changed``
    (the shape for new ellipses).
    """

    current_changed = Signal()
    shape_changed = Signal()

    def __init__(self, kind: str, shape: tuple[int, ...]) -> None:
        self.kind, self.shape = kind, tuple(int(n) for n in shape)
        self.semi_major, self.semi_minor, self.theta = 20.0, 12.0, 0.0
        self.current: Shower | None = None
        self.editing: int | None = None

    # slices -------------------------------------------------------------------------------
    @property
    def nints(self) -> int:
        """Number of integrations (1 for rate)."""
        return integration_count(self.kind, self.shape)

    @property
    def ngroups(self) -> int:
        """Number of groups (1 unless a ramp)."""
        return group_count(self.kind, self.shape)

    def slice_of(self, point: Sequence[float]) -> tuple[int, int] | None:
        """Return ``(integration, group)`` of a data point, None off the product's slices."""
        lead = [int(round(p)) for p in point[: len(self.shape) - 2]]
        integration = lead[0] if self.kind != "rate" else 0
        group = lead[1] if self.kind == "ramp" else 0
        if not (0 <= integration < self.nints and 0 <= group < self.ngroups):
            return None
        return integration, group

    def place(self, point: Sequence[float]) -> Shower | None:
        """Put the current ellipse at a data point ``(..., y, x)`` on its slice.

        Parameters
        ----------
        point : sequence of float
            Data coordinates: the leading axes of `shape`, then y and x.

        Returns
        -------
        Shower or None
            The new current ellipse; None (and no change) for a point outside the data.
        """
        y, x = float(point[-2]), float(point[-1])
        ny, nx = self.shape[-2:]
        at = self.slice_of(point)
        if at is None or not (-0.5 <= y < ny - 0.5 and -0.5 <= x < nx - 0.5):
            return None
        self.current = Shower(*at, x, y, self.semi_major, self.semi_minor, self.theta)
        self.current_changed.emit()
        return self.current

    def shows_current(self, integration: int, group: int) -> bool:
        """Tell whether the current ellipse is drawn on a slice (where it would be masked)."""
        current = self.current
        return current is not None and self.visible(integration, group, [current]) == [0]

    def reshape(
        self,
        semi_major: float | None = None,
        semi_minor: float | None = None,
        theta: float | None = None,
    ) -> Shower | None:
        """Change the shape for new ellipses, and those values of the current one."""
        given = {"semi_major": semi_major, "semi_minor": semi_minor, "theta": theta}
        given = {k: float(v) for k, v in given.items() if v is not None}
        for name, value in given.items():
            setattr(self, name, value)
        if self.current is not None and given:
            self.current = self.current.moved(**given)
            self.current_changed.emit()
        self.shape_changed.emit()
        return self.current

    def follow_corners(
        self, corners: Sequence[Sequence[float]], at: tuple[int, int] | None = None
    ) -> Shower | None:
        """Take the current ellipse from napari's 4 corners after a drag, rotate or resize.

        Parameters
        ----------
        corners : array-like
            ``(4, D)`` corners as napari stores an ellipse (last two columns y, x).
        at : (int, int), optional
            ``(integration, group)`` of an ellipse drawn anew with napari's own tool.

        Returns
        -------
        Shower or None
            The current ellipse; a degenerate (zero-size) ellipse changes nothing.
        """
        if self.current is None and at is None:
            return None
        x, y, a, b, theta = corners_to_ellipse(np.asarray(corners, dtype=float))
        if not (a > 0 and b > 0):
            return self.current
        self.semi_major, self.semi_minor, self.theta = a, b, theta
        if at is not None:
            self.current, self.editing = Shower(*at, x, y, a, b, theta), None
        elif self.current is not None:
            self.current = self.current.moved(x=x, y=y, semi_major=a, semi_minor=b, theta=theta)
        self.shape_changed.emit()
        self.current_changed.emit()
        return self.current

    def discard(self) -> None:
        """Drop the current ellipse (and stop editing a marked shower)."""
        if self.current is not None or self.editing is not None:
            self.current, self.editing = None, None
            self.current_changed.emit()

    def visible(
        self, integration: int, group: int, showers: Sequence[Shower] | None = None
    ) -> list[int]:
        """Return the indices of the marked showers (or of ``showers``) shown on a slice.

        Where they are masked, nowhere else (see `napari_showermask.viewer.placement`).
        """
        showers = self._shown() if showers is None else showers
        return shown_on(self.kind, showers, integration, group)

    def _shown(self) -> Sequence[Shower]:
        """Return the showers `visible` looks at by default (a session's marked ones)."""
        return []
