"""Marking over a marked shower: ask whether to keep both, replace it, or cancel."""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtWidgets import QMessageBox, QWidget

from napari_showermask.core.shower import Shower
from napari_showermask.viewer.session import MaskingSession

#: ``choose(title, text) -> 'keep' | 'replace' | None`` (None: cancel).
Chooser = Callable[[str, str], "str | None"]


def overlap_question(session: MaskingSession, shower: Shower) -> tuple[str, str] | None:
    """Return the question to ask before adding ``shower`` (None: it overlaps nothing)."""
    found = session.overlaps(shower)
    if not found:
        return None
    rows = ", ".join(str(n + 1) for n in found)
    return (
        "Overlapping showers",
        f"This shower overlaps {len(found)} marked shower(s) of integration "
        f"{shower.integration} (row {rows}). Keep both, replace the marked one(s), or cancel?",
    )


def overlap_choice(session: MaskingSession, shower: Shower | None, choose: Chooser) -> str | None:
    """Return how to add ``shower``: 'keep' when it overlaps nothing, else ``choose``'s answer."""
    question = overlap_question(session, shower) if shower is not None else None
    return "keep" if question is None else choose(*question)


def ask_overlap(parent: QWidget) -> Chooser:
    """Return a `Chooser` asking with a message box (Keep Both, Replace, Cancel)."""

    def choose(title: str, text: str) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        return "keep" if clicked is keep else "replace" if clicked is replace else None

    return choose
