"""Undo and redo of a review: the states of its marked showers and candidates."""

from __future__ import annotations

from napari_showermask.core.shower import Shower

__all__ = ["ReviewState", "UndoHistory"]

#: ``(marked, candidates)``: what undo and redo bring back.
ReviewState = tuple[tuple[Shower, ...], tuple[Shower, ...]]


class UndoHistory:
    """Two stacks of review states: the changes made (undo) and those undone (redo)."""

    def __init__(self) -> None:
        self._undo: list[ReviewState] = []
        self._redo: list[ReviewState] = []

    def changed(self, before: ReviewState) -> None:
        """Record the state before a change; what was undone can no longer be redone."""
        self._undo.append(before)
        self._redo.clear()

    def undo(self, now: ReviewState) -> ReviewState | None:
        """Return the state before the last change (None: none), ``now`` being redoable."""
        return self._travel(self._undo, self._redo, now)

    def redo(self, now: ReviewState) -> ReviewState | None:
        """Return the state last undone (None: none), ``now`` being undoable again."""
        return self._travel(self._redo, self._undo, now)

    @staticmethod
    def _travel(
        source: list[ReviewState], target: list[ReviewState], now: ReviewState
    ) -> ReviewState | None:
        if not source:
            return None
        target.append(now)
        return source.pop()
