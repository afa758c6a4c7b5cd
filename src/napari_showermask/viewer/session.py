"""The state of marking one exposure: current ellipse, marked showers, candidates, history.

Qt-free. Every change is announced with a psygnal signal; the napari widget's panels redraw
on those signals and forward the user's actions here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from psygnal import Signal

from napari_showermask.core.dq import group_count, integration_count
from napari_showermask.core.geometry import corners_to_ellipse
from napari_showermask.core.shower import Shower

__all__ = ["MaskingSession"]

_State = tuple[tuple[Shower, ...], tuple[Shower, ...]]


class MaskingSession:
    """Showers being marked on one product.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the product's ``SCI``.
    path : path-like, optional
        The product's file (the session's name in an exposure list).

    Attributes
    ----------
    semi_major, semi_minor, theta : float
        Shape given to the next placed ellipse (pixels, degrees; the sliders' values).
    current : Shower or None
        The ellipse being placed or edited (drawn red).
    marked : list of Shower
        Marked showers (drawn green where they apply).
    editing : int or None
        Index in `marked` that `current` was taken from, if any.
    candidates : list of Shower
        Showers proposed by the detector, waiting for review (accept, revise or reject).
    kept : list of Shower or None
        The showers last written to the product's sidecar catalog (None: none written
        or read).
    masked : list of Shower or None
        The showers of the product's masked file, if there is one.
    keep_error : str or None
        Why the sidecar catalog cannot be written, if it cannot.

    Notes
    -----
    Signals (no arguments): ``current_changed`` (current ellipse, editing), ``shape_changed``
    (the shape for new ellipses), ``marked_changed``, ``candidates_changed``,
    ``kept_changed`` (what is on disk).
    """

    current_changed = Signal()
    shape_changed = Signal()
    marked_changed = Signal()
    candidates_changed = Signal()
    kept_changed = Signal()

    def __init__(self, kind: str, shape: tuple[int, ...], path: str | Path | None = None) -> None:
        self.kind, self.shape = kind, tuple(int(n) for n in shape)
        self.path = Path(path) if path is not None else None
        self.semi_major, self.semi_minor, self.theta = 20.0, 12.0, 0.0
        self.current: Shower | None = None
        self.editing: int | None = None
        self.marked: list[Shower] = []
        self.candidates: list[Shower] = []
        self.kept: list[Shower] | None = None
        self.masked: list[Shower] | None = None
        self.keep_error: str | None = None
        self._undo: list[_State] = []
        self._redo: list[_State] = []

    def __repr__(self) -> str:
        name = self.path.name if self.path else "?"
        return f"MaskingSession({name}, {self.kind}, {self.shape}, {len(self.marked)} marked)"

    # what is kept on disk -----------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        """True when the marked showers are not all in the sidecar catalog."""
        return self.marked != (self.kept or [])

    @property
    def masked_up_to_date(self) -> bool:
        """True when a masked file exists and was made with the marked showers."""
        return self.masked is not None and self.masked == self.marked

    def set_kept(self, showers: Sequence[Shower] | None) -> None:
        """Record what the sidecar catalog holds."""
        self.kept = None if showers is None else list(showers)
        self.kept_changed.emit()

    def set_masked(self, showers: Sequence[Shower] | None) -> None:
        """Record the showers the masked file was made with."""
        self.masked = None if showers is None else list(showers)
        self.kept_changed.emit()

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

    # marked showers (undoable) --------------------------------------------------------
    def _state(self) -> _State:
        return tuple(self.marked), tuple(self.candidates)

    def _change(
        self, marked: Sequence[Shower], candidates: Sequence[Shower] | None = None
    ) -> None:
        self._undo.append(self._state())
        self._redo.clear()
        self._set(marked, self.candidates if candidates is None else candidates)

    def _set(self, marked: Sequence[Shower], candidates: Sequence[Shower]) -> None:
        new_candidates = list(candidates) != self.candidates
        self.marked, self.candidates = list(marked), list(candidates)
        self.marked_changed.emit()
        if new_candidates:
            self.candidates_changed.emit()

    def mark(self) -> Shower | None:
        """Record the current ellipse as a shower (or update the one being edited)."""
        shower = self.current
        if shower is None:
            return None
        marked = list(self.marked)
        if self.editing is not None and self.editing < len(marked):
            marked[self.editing] = shower
        else:
            marked.append(shower)
        self.current, self.editing = None, None
        self._change(marked)
        self.current_changed.emit()
        return shower

    def edit(self, index: int) -> Shower:
        """Make a marked shower the current ellipse, to change and mark it again."""
        return self._make_current(self.marked[index], index)

    def delete(self, index: int) -> Shower:
        """Remove a marked shower."""
        marked = list(self.marked)
        shower = marked.pop(index)
        if self.editing == index:
            self.discard()
        elif self.editing is not None and self.editing > index:
            self.editing -= 1
        self._change(marked)
        return shower

    def load(self, showers: Sequence[Shower]) -> None:
        """Replace the marked showers by a catalog's (undoable)."""
        self.discard()
        self._change(list(showers))

    def restore(self, showers: Sequence[Shower]) -> None:
        """Start from showers kept on disk (not undoable: nothing was changed)."""
        self.marked = list(showers)
        self.marked_changed.emit()

    # candidates --------------------------------------------------------------------------
    def propose(self, showers: Sequence[Shower]) -> None:
        """Replace the candidates under review by a detector's proposals."""
        self.candidates = list(showers)
        self.candidates_changed.emit()

    def accept(self, index: int) -> Shower:
        """Make a candidate a marked shower."""
        candidates = list(self.candidates)
        shower = candidates.pop(index)
        self._change([*self.marked, shower], candidates)
        return shower

    def reject(self, index: int) -> Shower:
        """Drop a candidate."""
        candidates = list(self.candidates)
        shower = candidates.pop(index)
        self._change(self.marked, candidates)
        return shower

    def revise(self, index: int) -> Shower:
        """Take a candidate out of review as the current ellipse, to reshape and mark."""
        shower = self.candidates[index]
        self._change(self.marked, self.candidates[:index] + self.candidates[index + 1 :])
        return self._make_current(shower, None)

    def _make_current(self, shower: Shower, editing: int | None) -> Shower:
        """Make ``shower`` the current ellipse, the sliders taking its shape."""
        self.current, self.editing = shower, editing
        self.semi_major, self.semi_minor, self.theta = (
            shower.semi_major, shower.semi_minor, shower.theta,
        )  # fmt: skip
        self.shape_changed.emit()
        self.current_changed.emit()
        return shower

    # history -----------------------------------------------------------------------------
    def undo(self) -> bool:
        """Undo the last mark, edit, delete, load, accept or reject; False if none."""
        return self._travel(self._undo, self._redo)

    def redo(self) -> bool:
        """Redo what was last undone; False if nothing."""
        return self._travel(self._redo, self._undo)

    def _travel(self, source: list[_State], target: list[_State]) -> bool:
        if not source:
            return False
        target.append(self._state())
        self.discard()
        self._set(*source.pop())
        return True

    def visible(
        self, integration: int, group: int, showers: Sequence[Shower] | None = None
    ) -> list[int]:
        """Return the indices of the marked showers (or of ``showers``) shown on a slice.

        A shower shows from its first group to the end of its integration (ramps), on its
        integration (rateints), everywhere (rate): where it is masked, nowhere else.
        """
        showers = self.marked if showers is None else showers
        if self.kind == "rate":
            return list(range(len(showers)))
        if self.kind == "rateints":
            return [n for n, s in enumerate(showers) if s.integration == integration]
        return [
            n for n, s in enumerate(showers) if s.integration == integration and s.group <= group
        ]
