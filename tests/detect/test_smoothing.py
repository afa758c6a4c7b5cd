"""Gaussian smoothing by banded matrix products: scipy's filter, to float32 rounding."""

import numpy as np
import pytest
from scipy import ndimage

from napari_showermask.detect.smoothing import Smoother


@pytest.mark.parametrize("shape", [(1024, 1032), (256, 258), (37, 64), (5, 7), (1, 40), (19, 3)])
@pytest.mark.parametrize("scale", [2.5, 1.0])
def test_smoothing_is_scipys_gaussian_filter(shape, scale):
    # frames smaller than the kernel take several reflections at each edge
    rng = np.random.default_rng(3)
    frame = rng.normal(0, 1, shape).astype(np.float32)
    frame[rng.random(shape) < 0.01] = 40.0  # a few bright pixels: the weights show
    want = ndimage.gaussian_filter(frame, scale, truncate=3.5)
    got = Smoother(shape, scale, truncate=3.5)(frame)
    assert got.dtype == np.float32 and got.shape == shape
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6 * max(1.0, np.abs(want).max()))


def test_an_impulse_spreads_as_scipys_kernel_reflected_at_the_edges():
    frame = np.zeros((40, 50), np.float32)
    frame[0, 20] = frame[25, 49] = 1.0
    got = Smoother(frame.shape, 2.5, truncate=3.5)(frame)
    want = ndimage.gaussian_filter(frame, 2.5, truncate=3.5)
    np.testing.assert_allclose(got, want, atol=1e-7)
    assert got.sum() == pytest.approx(2.0, rel=1e-5)  # reflection keeps all the weight


def test_into_the_callers_array_leaving_the_frame_alone():
    frame = np.arange(12 * 16, dtype=np.float32).reshape(12, 16)
    kept = frame.copy()
    out = np.full(frame.shape, np.nan, np.float32)
    smoother = Smoother(frame.shape, 2.5, truncate=3.5)
    assert smoother(frame, out=out) is out
    np.testing.assert_array_equal(frame, kept)
    np.testing.assert_allclose(out, smoother(frame), rtol=0, atol=0)


def test_every_product_stays_small_enough_to_run_in_one_thread():
    smoother = Smoother((1024, 1032), 2.5, truncate=3.5)
    for band in (smoother.rows, smoother.columns):
        for _, _, weights in band:
            other = 1032 if band is smoother.rows else 1024
            assert weights.size * other <= 1 << 18
