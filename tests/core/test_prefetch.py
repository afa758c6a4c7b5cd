"""Frames computed ahead for paging: same frames, computed once, errors not hidden."""

import threading
import time

import numpy as np
import pytest

from napari_showermask._reader import read_product
from napari_showermask.core.framestats import frame_contrast, frame_stats, stats_contrast
from napari_showermask.core.prefetch import FramePrefetch, ahead_gate, set_ahead_gate
from napari_showermask.core.products import open_product
from napari_showermask.viewer.dqdisplay import dq_categories


class Counting:
    """A frame function that records every index it computes."""

    def __init__(self, fail=()):
        self.calls, self.fail, self.lock = [], set(fail), threading.Lock()

    def __call__(self, index):
        with self.lock:
            self.calls.append(index)
        if index in self.fail:
            raise OSError(f"cannot read {index}")
        return np.full((3, 4), float(sum(index) + 10 * index[0]))


def wait_for(condition, timeout=5.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "not computed in background"
        time.sleep(0.005)


def test_next_frame_is_computed_ahead_once_in_the_direction_of_paging():
    compute = Counting()
    frames = FramePrefetch(compute, (2, 6))
    assert np.array_equal(frames.get((0, 2)), compute((0, 2)))
    wait_for(lambda: (0, 3) in compute.calls)
    assert np.array_equal(frames.get((0, 3)), np.full((3, 4), 3.0))
    wait_for(lambda: (0, 4) in compute.calls)
    assert compute.calls.count((0, 3)) == 1  # the frame computed ahead was used
    frames.get((0, 1))  # paging back: the one before is computed ahead
    wait_for(lambda: (0, 0) in compute.calls)
    assert (0, 6) not in compute.calls and not frames.get((0, 5)).flags.writeable


def test_a_failure_ahead_is_forgotten_and_raised_when_asked_for():
    compute = Counting(fail={(1, 1)})
    frames = FramePrefetch(compute, (2, 3))
    frames.get((1, 0))
    wait_for(lambda: (1, 1) in compute.calls and not frames._pending)
    with pytest.raises(OSError, match=r"cannot read \(1, 1\)"):
        frames.get((1, 1))
    frames.get((1, 2))  # the last frame: nothing beyond it is asked for
    assert (1, 3) not in compute.calls


def test_reader_layers_page_the_same_frames_as_the_product(ramp_file):
    (image, _, _), (dq, _, _), _ = read_product(str(ramp_file))
    product = open_product(ramp_file)
    nints, ngroups = product.shape[:2]
    for i in range(nints):
        for g in [*range(ngroups), *reversed(range(ngroups))]:
            assert np.array_equal(image[i, g], product.difference((i, g)))
            assert np.array_equal(image[i, g, 2:5, 1:3], product.difference((i, g))[2:5, 1:3])
            assert np.array_equal(dq[i, g], dq_categories(product.read(product.dq_name, (i, g))))


def test_a_single_frame_has_nothing_to_page_to():
    compute = Counting()
    frames = FramePrefetch(lambda index: compute((0, 0)), ())
    assert frames.get(()).shape == (3, 4) and frames.get(()).shape == (3, 4)
    assert compute.calls == [(0, 0)]


def test_closing_the_product_drops_every_frame_kept(ramp_file):
    (image, _, _), (dq, _, _), _ = read_product(str(ramp_file))
    for g in range(3):
        image[0, g], dq[0, g]
    caches = (image._prefetch, dq._prefetch)
    wait_for(lambda: all(not cache._pending for cache in caches))
    assert all(cache._frames for cache in caches) and image.product._raw
    image.product.close()
    assert not any(cache._frames for cache in caches) and not image.product._raw
    with pytest.raises(ValueError, match="closed"):
        image[0, 1]


def test_napari_one_frame_slices_use_the_frames_computed_ahead(ramp_file):
    # napari's default image projection asks for data[i:i+1, g:g+1] and averages it
    (image, _, _), (dq, _, _), _ = read_product(str(ramp_file))
    product = open_product(ramp_file)
    counted = {}
    for layer in (image, dq):
        counted[id(layer)] = compute = Counting()
        real = layer._prefetch.compute
        layer._prefetch.compute = lambda index, real=real, c=compute: (c(index), real(index))[1]
    for g in range(3):
        diff = image[0:1, g : g + 1]
        cats = dq[0:1, g : g + 1, :, :]
        assert diff.shape == (1, 1, *product.image_shape)
        assert np.array_equal(diff[0, 0], product.difference((0, g)))
        assert np.array_equal(cats[0, 0], dq_categories(product.read(product.dq_name, (0, g))))
        wait_for(lambda: all(not layer._prefetch._pending for layer in (image, dq)))
    for layer in (image, dq):
        calls = counted[id(layer)].calls
        assert calls[:4] == [(0, 0), (0, 1), (0, 2), (0, 3)]
        assert all(calls.count(index) == 1 for index in calls[:4])  # each computed once
    last = image[-1:, -2:-1]  # counted from the end, too
    assert np.array_equal(
        last[0, 0], product.difference((product.shape[0] - 1, product.shape[1] - 2))
    )


def test_frame_statistics_come_with_the_frames_computed_ahead(ramp_file):
    (image, _, _), _, _ = read_product(str(ramp_file))
    product = open_product(ramp_file)
    frames = image._prefetch
    computed, described = Counting(), []
    real_compute, real_describe = frames.compute, frames.describe
    frames.compute = lambda index: (computed(index), real_compute(index))[1]
    frames.describe = lambda frame: (described.append(1), real_describe(frame))[1]
    image[0, 2]
    assert image.frame_stats((0, 2)) == frame_stats(product.difference((0, 2)))
    wait_for(lambda: (0, 3) in computed.calls and not frames._pending)
    assert len(described) == 2  # the frame shown when asked, the next one with it
    image[0, 3]  # as napari and the widget do: the frame, then its statistics
    assert image.frame_stats((0, 3)) == frame_stats(product.difference((0, 3)))
    wait_for(lambda: (0, 4) in computed.calls and not frames._pending)
    assert len(described) == 3  # (0, 3) computed ahead with the frame: not again
    # paging back, the frame and its statistics asked for: the one before comes next
    image[0, 1], image.frame_stats((0, 1))
    wait_for(lambda: (0, 0) in computed.calls and not frames._pending)
    assert computed.calls.count((0, 2)) == 1, computed.calls  # not the one after it again
    low, high = stats_contrast(image.frame_stats((0, 1)), 3.0)
    assert (low, high) == pytest.approx(frame_contrast(product.difference((0, 1)), 3.0))


def test_a_gate_starts_the_computation_ahead_and_a_stale_one_is_dropped():
    held = []
    compute = Counting()
    frames = FramePrefetch(compute, (2, 6))
    before = ahead_gate()
    set_ahead_gate(lambda start: held.append(start) or True)
    try:
        frames.get((0, 2))  # asked for on the main thread: its neighbour waits for the gate
        time.sleep(0.05)
        assert compute.calls == [(0, 2)] and not frames._pending and len(held) == 1
        held.pop()()
        wait_for(lambda: (0, 3) in compute.calls and not frames._pending)
        frames.get((0, 3))  # computed ahead: not again
        frames.get((1, 4))  # a jump before the gate opened: (0, 4) is not wanted any more
        for start in held:
            start()
        wait_for(lambda: (1, 5) in compute.calls and not frames._pending)
        assert compute.calls == [(0, 2), (0, 3), (1, 4), (1, 5)]
        set_ahead_gate(lambda start: False)  # the gate says now
        frames.get((1, 2))
        wait_for(lambda: (1, 1) in compute.calls)
    finally:
        set_ahead_gate(before)
    thread = threading.Thread(target=frames.get, args=((0, 0),))  # off the main thread: no gate
    set_ahead_gate(lambda start: held.append(start) or True)
    try:
        thread.start()
        thread.join()
        wait_for(lambda: (0, 1) in compute.calls)
    finally:
        set_ahead_gate(before)
