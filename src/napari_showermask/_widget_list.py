"""Marked showers in the Shower Masking widget: mark, list, go to, edit, delete."""

from __future__ import annotations

from collections.abc import Sequence

from .catalog import Shower


def describe(shower: Shower) -> str:
    """Return the one-line list entry of a shower."""
    s = shower
    return (
        f"int {s.integration} grp {s.group}  x={s.x:.1f} y={s.y:.1f}  "
        f"a={s.semi_major:.1f} b={s.semi_minor:.1f} theta={s.theta:.0f}"
    )


class ListActions:
    """Mixin for `ShowerMaskingWidget`: the marked showers and their list."""

    def mark(self) -> None:
        """Record the current ellipse as a shower (or store the one being edited).

        The shower is masked, and drawn green, from the current ellipse's group to the end
        of its integration.
        """
        if self.session is None or self.session.mark() is None:
            return
        self._list()
        self._sync_buttons()
        self.refresh()

    def _list(self) -> None:
        self.showers.blockSignals(True)
        self.showers.clear()
        for shower in self.session.marked:
            self.showers.addItem(describe(shower))
        self.showers.blockSignals(False)

    def go_to(self, row: int, showers: Sequence[Shower] | None = None) -> None:
        """Show a marked shower (or one of ``showers``) on its integration and first group.

        Parameters
        ----------
        row : int
            Index in the list; out of range does nothing.
        showers : sequence of Shower, optional
            Defaults to the marked showers.
        """
        showers = self.session.marked if showers is None and self.session else showers
        if self.session is None or not 0 <= row < len(showers):
            return
        shower = showers[row]
        lead = self._lead(shower.integration, shower.group)
        step = list(self.viewer.dims.current_step)
        step[: len(lead)] = lead
        self.viewer.dims.current_step = tuple(step)
        self.viewer.scene.camera.center = (shower.y, shower.x)

    def edit(self, row: int) -> None:
        """Make a marked shower the current ellipse; Update Shower stores the change.

        Parameters
        ----------
        row : int
            Index in the list of marked showers.
        """
        if self.session is None or not 0 <= row < len(self.session.marked):
            return
        self.go_to(row)
        self.session.edit(row)
        self._sync_sliders()
        self._sync_buttons()
        self.refresh()

    def delete(self, row: int) -> None:
        """Remove a marked shower.

        Parameters
        ----------
        row : int
            Index in the list of marked showers.
        """
        if self.session is None or not 0 <= row < len(self.session.marked):
            return
        self.session.delete(row)
        self._list()
        self._sync_buttons()
        self.refresh()
