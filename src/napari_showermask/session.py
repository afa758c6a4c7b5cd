"""The state of a masking session: the current ellipse, the marked showers, what is saved.

Qt-free: the napari widget forwards user actions here and draws what this says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .catalog import Shower
from .geometry import corners_to_ellipse

__all__ = ["MaskingSession"]


@dataclass
class MaskingSession:
    """Showers being marked on one product.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        Shape of the product's ``SCI``.

    Attributes
    ----------
    current : Shower or None
        The ellipse being placed or edited (drawn red).
    marked : list of Shower
        Marked showers (drawn green where they apply).
    editing : int or None
        Index in `marked` that `current` was taken from, if any.
    dirty : bool
        True when `marked` changed since the last save.
    """

    kind: str
    shape: tuple[int, ...]
    semi_major: float = 20.0
    semi_minor: float = 12.0
    theta: float = 0.0
    current: Shower | None = None
    marked: list[Shower] = field(default_factory=list)
    editing: int | None = None
    dirty: bool = False
    candidates: list[Shower] = field(default_factory=list)

    # candidates proposed by the detector, for review ------------------------------------
    def propose(self, showers: Sequence[Shower]) -> None:
        """Replace the candidates under review by a detector's proposals."""
        self.candidates = list(showers)

    def accept(self, index: int) -> Shower:
        """Make a candidate a marked shower."""
        shower = self.candidates.pop(index)
        self.marked.append(shower)
        self.dirty = True
        return shower

    def reject(self, index: int) -> Shower:
        """Drop a candidate."""
        return self.candidates.pop(index)

    def revise(self, index: int) -> Shower:
        """Take a candidate out of review as the current ellipse, to reshape and mark."""
        shower = self.candidates.pop(index)
        self.current, self.editing = shower, None
        self.semi_major, self.semi_minor, self.theta = (
            shower.semi_major,
            shower.semi_minor,
            shower.theta,
        )
        return shower

    def slice_of(self, point: Sequence[float]) -> tuple[int, int]:
        """Return ``(integration, group)`` of a viewer point (leading axes of ``shape``)."""
        lead = [int(round(p)) for p in point[: len(self.shape) - 2]]
        if self.kind == "ramp":
            return lead[0], lead[1]
        return (lead[0], 0) if self.kind == "rateints" else (0, 0)

    def place(self, point: Sequence[float]) -> Shower:
        """Put the current ellipse at a viewer point ``(..., y, x)`` on its slice."""
        integration, group = self.slice_of(point)
        y, x = float(point[-2]), float(point[-1])
        self.current = Shower(
            integration, group, x, y, self.semi_major, self.semi_minor, self.theta
        )
        return self.current

    def reshape(
        self,
        semi_major: float | None = None,
        semi_minor: float | None = None,
        theta: float | None = None,
    ) -> Shower | None:
        """Change the shape used for new ellipses and of the current one."""
        if semi_major is not None:
            self.semi_major = float(semi_major)
        if semi_minor is not None:
            self.semi_minor = float(semi_minor)
        if theta is not None:
            self.theta = float(theta)
        if self.current is not None:
            self.current = self.current.moved(
                semi_major=self.semi_major, semi_minor=self.semi_minor, theta=self.theta
            )
        return self.current

    def follow_corners(self, corners: Sequence[Sequence[float]]) -> Shower | None:
        """Take the current ellipse from napari's 4 corners after a drag, rotate or resize."""
        if self.current is None:
            return None
        x, y, a, b, theta = corners_to_ellipse(corners)
        self.semi_major, self.semi_minor, self.theta = a, b, theta
        self.current = self.current.moved(x=x, y=y, semi_major=a, semi_minor=b, theta=theta)
        return self.current

    def mark(self) -> Shower | None:
        """Record the current ellipse as a shower (or update the one being edited)."""
        if self.current is None:
            return None
        if self.editing is not None:
            self.marked[self.editing] = self.current
        else:
            self.marked.append(self.current)
        shower, self.current, self.editing = self.current, None, None
        self.dirty = True
        return shower

    def edit(self, index: int) -> Shower:
        """Make a marked shower the current ellipse, to change and mark it again."""
        self.current, self.editing = self.marked[index], index
        shower = self.current
        self.semi_major, self.semi_minor, self.theta = (
            shower.semi_major,
            shower.semi_minor,
            shower.theta,
        )
        return shower

    def delete(self, index: int) -> Shower:
        """Remove a marked shower."""
        shower = self.marked.pop(index)
        if self.editing == index:
            self.current, self.editing = None, None
        elif self.editing is not None and self.editing > index:
            self.editing -= 1
        self.dirty = True
        return shower

    def load(self, showers: Sequence[Shower]) -> None:
        """Replace the marked showers by a catalog's."""
        self.marked = list(showers)
        self.current, self.editing, self.dirty = None, None, True

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
