"""jwst's RampFitStep, run offline, on masked and unmasked synthetic ramps."""

import numpy as np
import pytest
from jwst.ramp_fitting import RampFitStep
from stdatamodels.jwst import datamodels

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.io.masked import write_masked
from napari_showermask.synthetic.demo import make_ramp, reference_models, write_ramp

pytestmark = pytest.mark.pipeline
SHAPE = (2, 20, 64, 64)


def fit(path):
    gain, readnoise = reference_models(SHAPE[-2:])
    with datamodels.open(path) as model:
        step = RampFitStep(override_gain=gain, override_readnoise=readnoise)
        rate, rateints = step.process(model)
        return rate.data.copy(), rateints.data.copy()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path, truth = write_ramp(tmp_path_factory.mktemp("fit") / "syn_jump.fits", SHAPE, seed=3)
    masked = write_masked(path, truth.showers)
    with datamodels.open(masked) as model:
        assert isinstance(model, datamodels.RampModel) and model.groupdq.dtype == np.uint8
    return truth, fit(path), fit(masked)


def noise(rate, truth, showers):
    outside = ~np.any([ellipse_mask(s, SHAPE[-2:]) for s in showers], axis=0)
    outside &= truth.rate < 100  # away from the star
    return np.std(rate[outside] - truth.rate[outside]), outside


@pytest.mark.parametrize("kind", ["bright", "idle", "faint"])
def test_masking_removes_the_shower_bias(fitted, kind):
    truth, (raw, _), (masked, masked_ints) = fitted
    shower = next(s for s in truth.showers if s.extra["kind"] == kind)
    inside = ellipse_mask(shower, SHAPE[-2:])
    sigma, _ = noise(raw, truth, truth.showers)
    n = inside.sum()
    raw_bias = np.mean(raw[inside] - truth.rate[inside])
    masked_bias = np.mean(masked[inside] - truth.rate[inside])
    # unmasked: biased high by many standard errors; masked: within noise of the truth
    assert raw_bias > 8 * sigma / np.sqrt(n)
    assert abs(masked_bias) < 4 * 2 * sigma / np.sqrt(n)  # fewer groups: up to ~2x noisier
    assert np.all(np.isfinite(masked[inside])) and not np.any(masked[inside] == 0.0)


def test_idle_shower_drops_only_its_own_integration(fitted):
    truth, _, (masked, masked_ints) = fitted
    idle = next(s for s in truth.showers if s.extra["kind"] == "idle")
    inside = ellipse_mask(idle, SHAPE[-2:])
    other = 1 - idle.integration
    assert np.all(np.isnan(masked_ints[idle.integration][inside]))  # dropped, not 0.0
    assert np.all(np.isfinite(masked_ints[other][inside]))
    np.testing.assert_allclose(masked[inside], masked_ints[other][inside], rtol=1e-5)


def test_pixels_outside_showers_keep_their_rate(fitted):
    truth, (raw, _), (masked, _) = fitted
    sigma, outside = noise(raw, truth, truth.showers)
    diff = np.abs(masked[outside] - raw[outside])
    # DQ outside is byte-identical; the fitter's shared statistics move rates a hair only
    assert np.max(diff) < 0.25 * sigma and np.median(diff) < 0.02 * sigma


def test_masking_every_group_is_not_a_silent_zero(tmp_path):
    model, truth = make_ramp(SHAPE, seed=5, n_cosmic_rays=0)
    path = tmp_path / "early_jump.fits"
    model.save(path)
    shower = truth.showers[0].moved(group=0)  # a shower from group 0 in integration 0
    rate, ints = fit(write_masked(path, [shower]))
    inside = ellipse_mask(shower, SHAPE[-2:])
    assert np.all(np.isnan(ints[0][inside])) and not np.any(ints[0][inside] == 0.0)
    assert np.all(np.isfinite(rate[inside])) and not np.any(rate[inside] == 0.0)
