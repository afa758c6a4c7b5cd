"""The state of marking one exposure: current ellipse, marked showers, candidates, history.

Qt-free. Every change is announced with a psygnal signal; the napari widget's panels redraw
on those signals and forward the user's actions here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from psygnal import Signal

from napari_showermask.core.shower import Shower
from napari_showermask.viewer.ellipse import EllipsePlacement
from napari_showermask.viewer.history import ReviewState, UndoHistory
from napari_showermask.viewer.placement import OVERLAP_CHOICES, overlapping, with_shower

__all__ = ["OVERLAP_CHOICES", "MaskingSession"]


class MaskingSession(EllipsePlacement):
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

    marked_changed = Signal()
    candidates_changed = Signal()
    kept_changed = Signal()

    def __init__(self, kind: str, shape: tuple[int, ...], path: str | Path | None = None) -> None:
        super().__init__(kind, shape)
        self.path = Path(path) if path is not None else None
        self.marked: list[Shower] = []
        self.candidates: list[Shower] = []
        self.kept: list[Shower] | None = None
        self.masked: list[Shower] | None = None
        self.keep_error: str | None = None
        self._history = UndoHistory()

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

    # marked showers (undoable) --------------------------------------------------------
    def _state(self) -> ReviewState:
        return tuple(self.marked), tuple(self.candidates)

    def _change(
        self, marked: Sequence[Shower], candidates: Sequence[Shower] | None = None
    ) -> None:
        self._history.changed(self._state())
        self._set(marked, self.candidates if candidates is None else candidates)

    def _set(self, marked: Sequence[Shower], candidates: Sequence[Shower]) -> None:
        new_candidates = list(candidates) != self.candidates
        self.marked, self.candidates = list(marked), list(candidates)
        self.marked_changed.emit()
        if new_candidates:
            self.candidates_changed.emit()

    def overlaps(self, shower: Shower | None = None) -> list[int]:
        """Return the marked showers ``shower`` (default: the current one) overlaps.

        They share a masked pixel in one integration; the shower being edited is not
        counted (marking replaces it anyway).
        """
        shower = self.current if shower is None else shower
        if shower is None:
            return []
        ny, nx = self.shape[-2:]
        return [
            n for n in overlapping(self.kind, (ny, nx), shower, self.marked) if n != self.editing
        ]

    def mark(self, overlap: str = "keep") -> Shower | None:
        """Record the current ellipse as a shower (or update the one being edited).

        Parameters
        ----------
        overlap : {'keep', 'replace'}
            Keep the marked showers it overlaps (`overlaps`), or replace them by it.
        """
        shower = self.current
        if shower is None:
            return None
        marked = with_shower(self.marked, shower, self.editing, self.overlaps(shower), overlap)
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

    def accept(self, index: int, overlap: str = "keep") -> Shower:
        """Make a candidate a marked shower (``overlap`` as in `mark`)."""
        candidates = list(self.candidates)
        shower = candidates.pop(index)
        marked = with_shower(self.marked, shower, None, self.overlaps(shower), overlap)
        self._change(marked, candidates)
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
            shower.semi_major,
            shower.semi_minor,
            shower.theta,
        )
        self.shape_changed.emit()
        self.current_changed.emit()
        return shower

    # history -----------------------------------------------------------------------------
    def undo(self) -> bool:
        """Undo the last mark, edit, delete, load, accept or reject; False if none."""
        return self._restore(self._history.undo(self._state()))

    def redo(self) -> bool:
        """Redo what was last undone; False if nothing."""
        return self._restore(self._history.redo(self._state()))

    def _restore(self, state: ReviewState | None) -> bool:
        if state is None:
            return False
        self.discard()
        self._set(*state)
        return True

    def _shown(self) -> Sequence[Shower]:
        """Return the marked showers (what `visible` looks at by default)."""
        return self.marked
