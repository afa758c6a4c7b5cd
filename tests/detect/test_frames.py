"""Difference frames streamed for detection: the values and left-out pixels the rules say."""

import threading

import numpy as np
import pytest
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.products import open_product
from napari_showermask.detect.frames import frames
from napari_showermask.detect.threads import Run
from napari_showermask.synthetic.demo import make_ramp

DNU, SAT, JUMP = (dqflags.group[name] for name in ("DO_NOT_USE", "SATURATED", "JUMP_DET"))


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    """A ramp with every kind of flag in the groups detection reads, and its arrays."""
    model, _ = make_ramp((2, 8, 12, 14), seed=5)
    rng = np.random.default_rng(1)
    for flag in (DNU, SAT, JUMP, DNU | JUMP, 8):  # 8 (PERSISTENCE) leaves nothing out
        hits = rng.random(model.groupdq.shape) < 0.05
        model.groupdq[hits] |= flag
    model.data[0, 4, 3, 5] = np.nan  # a NaN in SCI stays NaN
    path = tmp_path_factory.mktemp("frames") / "f_jump.fits"
    model.save(path)
    return path, np.array(model.data, np.float32), np.array(model.groupdq)


@pytest.mark.parametrize("groups", [[1, 2, 3, 4, 5, 6, 7], [2, 3, 5, 6]])
def test_frames_are_the_differences_with_left_out_pixels_nan(flagged, groups):
    path, sci, groupdq = flagged
    bad = np.zeros(sci.shape[-2:], bool)
    bad[7, :] = True
    with open_product(path) as product:
        got = [(g, frame.copy()) for g, frame in frames(product, 1, groups, bad)]
    assert [g for g, _ in got] == groups
    kinds = set()
    for g, frame in got:
        expected = sci[1, g] - sci[1, g - 1]
        left_out = ((groupdq[1, g] & (DNU | SAT | JUMP)) != 0) | bad
        left_out |= (groupdq[1, g - 1] & (DNU | SAT)) != 0
        expected[left_out] = np.nan
        assert frame.dtype == np.float32
        np.testing.assert_array_equal(frame, expected)
        kinds |= set(np.unique(left_out).tolist())
    assert kinds == {False, True}  # some pixels kept, some left out


def test_one_share_runs_in_the_calling_thread_and_failures_reach_the_caller():
    seen: list[threading.Thread] = []
    run = Run(1, None, None, RuntimeError)
    run.in_threads(lambda share: seen.append(threading.current_thread()), [[0, 1]])
    assert seen == [threading.current_thread()]
    run.in_threads(lambda share: seen.append(threading.current_thread()), [[0], [1]])
    assert all(thread is not threading.current_thread() for thread in seen[1:])

    def fail(share):
        raise ValueError(f"share {share}")

    with pytest.raises(ValueError, match=r"share \[0\]"):
        run.in_threads(fail, [[0]])
    with pytest.raises(ValueError, match="share"):
        run.in_threads(fail, [[0], [1]])
