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
    semi_major, semi_minor, theta : float
        Shape given to the next placed ellipse (pixels, degrees; the sliders' values).
    current : Shower or None
        The ellipse being placed or edited (drawn red).
    marked : list of Shower
        Marked showers (drawn green where they apply).
    editing : int or None
        Index in `marked` that `current` was taken from, if any.
    dirty : bool
        True when `marked` changed since the last save.
    candidates : list of Shower
        Showers proposed by the detector, waiting for review (accept, revise or reject).
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

    def place(self, point: Sequence[float]) -> Shower | None:
        """Put the current ellipse at a viewer point ``(..., y, x)`` on its slice.

        Parameters
        ----------
        point : sequence of float
            Data coordinates: the leading axes of `shape`, then y and x.

        Returns
        -------
        Shower or None
            The new current ellipse; None (and no change) for a point outside the image.
        """
        y, x = float(point[-2]), float(point[-1])
        ny, nx = self.shape[-2:]
        if not (-0.5 <= y < ny - 0.5 and -0.5 <= x < nx - 0.5):
            return None
        integration, group = self.slice_of(point)
        self.current = Shower(
            integration, group, x, y, self.semi_major, self.semi_minor, self.theta
        )
        return self.current

    def shows_current(self, integration: int, group: int) -> bool:
        """Tell whether the current ellipse is drawn on slice (integration, group).

        It is drawn where it would be masked once marked (see `visible`): from its group to
        the end of its integration.
        """
        current = self.current
        return current is not None and self.visible(integration, group, [current]) == [0]

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

    def follow_corners(
        self, corners: Sequence[Sequence[float]], at: tuple[int, int] | None = None
    ) -> Shower | None:
        """Take the current ellipse from napari's 4 corners after a drag, rotate or resize.

        Parameters
        ----------
        corners : array-like
            ``(4, D)`` corners as napari stores an ellipse (last two columns y, x).
        at : (int, int), optional
            ``(integration, group)`` of an ellipse drawn anew with napari's own tool: it
            becomes the current ellipse on that slice. Without it the current ellipse keeps
            its slice, and nothing happens when there is none.

        Returns
        -------
        Shower or None
            The current ellipse; a degenerate (zero-size) ellipse changes nothing.
        """
        if self.current is None and at is None:
            return None
        x, y, a, b, theta = corners_to_ellipse(corners)
        if not (a > 0 and b > 0):
            return self.current
        self.semi_major, self.semi_minor, self.theta = a, b, theta
        if at is None:
            self.current = self.current.moved(x=x, y=y, semi_major=a, semi_minor=b, theta=theta)
        else:
            self.current = Shower(at[0], at[1], x, y, a, b, theta)
        return self.current

    def discard(self) -> None:
        """Drop the current ellipse (and stop editing a marked shower)."""
        self.current, self.editing = None, None

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
