"""Helpers for tests in a real napari viewer: opening, screen positions, mouse, colours."""

import numpy as np
import pytest
from qtpy.QtCore import QEvent, QPoint, QPointF, Qt
from qtpy.QtGui import QMouseEvent
from qtpy.QtWidgets import QApplication

from napari_showermask.synthetic.demo import write_ramp

napari = pytest.importorskip("napari")
from napari_showermask._widget import ShowerMaskingWidget  # noqa: E402

SHAPE = (2, 12, 64, 64)


def shown(make_napari_viewer):
    """Return a shown napari viewer at 1200 x 800 (a hidden one renders black)."""
    viewer = make_napari_viewer(show=True)
    viewer.window.resize(1200, 800)
    return viewer


def small_ramp(directory, name="gui_jump.fits", shape=SHAPE, seed=11):
    """Write a small synthetic MIRI ramp and return its path."""
    path, _ = write_ramp(directory / name, shape, seed=seed)
    return path


def dock(viewer):
    """Dock the Shower Masking widget, as the Plugins menu does."""
    widget = ShowerMaskingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Shower Masking")
    return widget


def ready(widget, qtbot, path=None):
    """Wait until the widget is bound to a product (to ``path`` if given) with its overlays."""

    def bound():
        binding = widget.binding
        assert binding is not None and binding.current_layer is not None
        assert path is None or binding.product.path.name == path.name

    qtbot.waitUntil(bound, timeout=5000)


def open_in(viewer, qtbot, path, widget=None):
    """Dock the widget (unless given) and open a file with it, as a user would."""
    widget = widget or dock(viewer)
    assert widget.open_file(str(path))
    ready(widget, qtbot, path)
    return widget


def canvas(viewer):
    """The canvas' Qt widget (no public napari API gives it)."""
    return viewer.window._qt_viewer.canvas


def screen_xy(viewer, x, y):
    """Canvas pixel of data point (x, y) of the displayed plane."""
    px, py = canvas(viewer).view.scene.transform.map([x, y, 0, 1])[:2]
    return int(round(px)), int(round(py))


def click(viewer, qtbot, x, y):
    """Left-click the canvas at data point (x, y)."""
    native = canvas(viewer).native
    qtbot.mouseClick(native, Qt.MouseButton.LeftButton, pos=QPoint(*screen_xy(viewer, x, y)))
    qtbot.wait(20)


def hover(viewer, qtbot, x, y):
    """Move the mouse (no button) over data point (x, y)."""
    native = canvas(viewer).native
    pos = QPointF(*screen_xy(viewer, x, y))
    none = Qt.MouseButton.NoButton
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        pos,
        native.mapToGlobal(pos),
        none,
        none,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(native, event)
    qtbot.wait(30)


def drag(viewer, qtbot, start, end, steps=6):
    """Drag with the left button held from data point ``start`` (x, y) to ``end``."""
    native = canvas(viewer).native
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    a, b = np.array(screen_xy(viewer, *start), float), np.array(screen_xy(viewer, *end), float)

    def send(kind, xy, button, buttons):
        pos = QPointF(*xy)
        event = QMouseEvent(
            kind, pos, native.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(native, event)

    send(QEvent.Type.MouseButtonPress, a, left, left)
    for k in range(1, steps + 1):
        send(QEvent.Type.MouseMove, a + (b - a) * k / steps, none, left)
        qtbot.wait(15)  # napari throttles mouse moves (5 ms)
    send(QEvent.Type.MouseButtonRelease, b, left, none)
    qtbot.wait(20)


def colour_pixels(viewer, shower, colour):
    """Return the share of rim points with the colour nearby, and all pixels of that colour."""
    shot = viewer.screenshot(canvas_only=True, flash=False)
    r, g, b = (shot[..., k].astype(int) for k in range(3))
    hit = {
        "red": (r > 180) & (g < 80) & (b < 80),
        "green": (g > 180) & (r < 100) & (b < 100),
    }[colour]
    t = np.radians(shower.theta)
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    rim = []
    for u in angles:
        dx = shower.semi_major * np.cos(u) * np.cos(t) - shower.semi_minor * np.sin(u) * np.sin(t)
        dy = shower.semi_major * np.cos(u) * np.sin(t) + shower.semi_minor * np.sin(u) * np.cos(t)
        rim.append(screen_xy(viewer, shower.x + dx, shower.y + dy))
    near = sum(hit[max(py - 2, 0) : py + 3, max(px - 2, 0) : px + 3].any() for px, py in rim)
    return near / len(rim), int(hit.sum())


def messages(since):
    """Notification messages since ``since`` records (napari's notification manager)."""
    from napari.utils.notifications import notification_manager

    return [str(n.message) for n in notification_manager.records[since:]]


def n_messages():
    """Number of notifications so far."""
    from napari.utils.notifications import notification_manager

    return len(notification_manager.records)
