"""Paging in a shown viewer: the next frame is computed once the frame asked for is drawn."""

import time

import pytest
from support.gui import dock, ready, shown, small_ramp

from napari_showermask.viewer._qt.binding import role_of
from napari_showermask.viewer._qt.drawn import FALLBACK_MS


class Started:
    """Wraps a layer's frame function: records when each frame's computation starts."""

    def __init__(self, compute):
        self.compute, self.calls = compute, []

    def __call__(self, index):
        self.calls.append((index, time.perf_counter()))
        return self.compute(index)

    def at(self, index):
        return [t for i, t in self.calls if i == index]


@pytest.mark.parametrize("with_widget", [False, True], ids=["reader", "widget"])
def test_frames_ahead_start_after_the_frame_shown_is_drawn(
    make_napari_viewer, qtbot, tmp_path, with_widget
):
    viewer = shown(make_napari_viewer)
    path = small_ramp(tmp_path)
    widget = dock(viewer) if with_widget else None
    viewer.open(str(path), plugin="napari-showermask")
    if widget is not None:
        ready(widget, qtbot, path)
    layers = {role_of(layer): layer for layer in viewer.layers}
    caches = [layers["difference"].data._prefetch, layers["dq"].data._prefetch]
    started = []
    for cache in caches:
        started.append(Started(cache.compute))
        cache.compute = started[-1]
    swapped = []
    canvas = viewer.window._qt_viewer.canvas.native  # no public napari API gives it
    canvas.frameSwapped.connect(lambda: swapped.append(time.perf_counter()))
    viewer.dims.set_current_step(1, 0)  # from the first group: no frame seen twice below
    viewer.dims.set_current_step(0, 1)
    viewer.dims.set_current_step(1, 1)
    qtbot.wait(300)
    for group in range(2, 7):
        asked = time.perf_counter()
        viewer.dims.set_current_step(1, group)  # napari slices now and draws later
        ahead = (1, group + 1)
        for cache, computed in zip(caches, started, strict=True):
            assert not computed.at(ahead) and ahead not in cache._pending  # held

        def done(ahead=ahead):
            assert all(computed.at(ahead) for computed in started)
            assert not any(cache._pending for cache in caches)

        qtbot.waitUntil(done)
        drawn = min((t for t in swapped if t > asked), default=None)
        for computed in started:
            start = computed.at(ahead)[0]
            assert (drawn is not None and start >= drawn) or start >= asked + FALLBACK_MS / 1e3
        qtbot.wait(50)
    for computed in started:  # every frame shown was computed ahead, once
        assert all(len(computed.at((1, g))) == 1 for g in range(2, 8)), computed.calls
