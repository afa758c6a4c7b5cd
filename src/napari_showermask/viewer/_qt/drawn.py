"""Frames computed ahead start once the viewer has drawn: paging does not wait for them.

A frame served to napari starts the computation of the next one in background
(`napari_showermask.core.prefetch`). Started at once, that thread reads and differences the
next frame while napari slices the other layers and OpenGL (Mesa's llvmpipe: threads on
the same cores) draws the frame just asked for: both wait for it, for the cores and for
the GIL. `hold_ahead_until_drawn` makes it start after the canvas has shown the frame
(QOpenGLWidget's ``frameSwapped``), when the user looks at it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from qtpy.QtCore import QTimer
from qtpy.QtOpenGLWidgets import QOpenGLWidget
from qtpy.QtWidgets import QApplication

from napari_showermask.core.prefetch import ahead_gate, set_ahead_gate

#: At the latest, held computations start this long after the first was held (ms): the
#: frame may never be drawn (e.g. a minimised window).
FALLBACK_MS = 100


class AfterDraw:
    """Hold computations ahead until one of the canvases followed has drawn its next frame.

    Called as ``gate(start)``: True if ``start`` is held, False (start at once) when no
    canvas followed is visible, e.g. a viewer made with ``show=False``, which never draws.
    """

    def __init__(self) -> None:
        self._canvases: weakref.WeakSet[Any] = weakref.WeakSet()
        self._held: list[Callable[[], None]] = []
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(FALLBACK_MS)
        self._timer.timeout.connect(self.release)

    def follow(self, canvas: Any) -> None:
        """Release held computations each time ``canvas`` (a QOpenGLWidget) shows a frame."""
        if canvas not in self._canvases:
            self._canvases.add(canvas)
            canvas.frameSwapped.connect(self.release)

    def __call__(self, start: Callable[[], None]) -> bool:
        if not any(_visible(canvas) for canvas in list(self._canvases)):
            return False
        self._held.append(start)
        if not self._timer.isActive():
            self._timer.start()
        return True

    def release(self) -> None:
        """Start the computations held (each drops itself if paging went elsewhere since)."""
        self._timer.stop()
        held, self._held = self._held, []
        for start in held:
            start()


def _visible(canvas: Any) -> bool:
    try:
        return bool(canvas.isVisible())
    except RuntimeError:  # its C++ object was deleted with its viewer
        return False


def hold_ahead_until_drawn() -> bool:
    """Make computations ahead wait until a napari canvas has drawn (see module doc).

    Every OpenGL widget of the application is followed (napari's canvases are vispy's
    QOpenGLWidget): found with Qt's own API, as napari gives plugins no access to them.

    Returns
    -------
    bool
        False when the application has no OpenGL widget (nothing changed: computations
        ahead start at once, as without a viewer).
    """
    app = QApplication.instance()
    widgets = QApplication.allWidgets() if app is not None else []
    canvases = [widget for widget in widgets if isinstance(widget, QOpenGLWidget)]
    if not canvases:
        return False
    gate = ahead_gate()
    if not isinstance(gate, AfterDraw):
        gate = AfterDraw()
        set_ahead_gate(gate)
    for canvas in canvases:
        gate.follow(canvas)
    return True
