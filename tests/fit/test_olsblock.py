"""The vectorised ramp fitter against stcal's OLS_C ramp fit, called directly."""

import numpy as np
import pytest
from stcal.ramp_fitting.ramp_fit import ramp_fit_data
from stcal.ramp_fitting.ramp_fit_class import RampData
from stdatamodels.jwst.datamodels import dqflags

import napari_showermask.fit.engines as engines
from napari_showermask.core.masking import mask_array
from napari_showermask.core.shower import Shower
from napari_showermask.fit.engines import RampTiming, fit_integration
from napari_showermask.fit.numpy_ols import ols_fit
from napari_showermask.fit.olsblock import fit_block

G = dqflags.group
TIMINGS = {"FASTR1": (2.775, 40), "SLOWR1": (23.89, 9)}  # group time (s), groups
SHAPE = (40, 48)


def synthetic_ramps(group_time, ngroups, seed=5):
    """Ramps with everything ramp fitting must get right, and their flags."""
    rng = np.random.default_rng(seed)
    ny, nx = SHAPE
    rate = rng.gamma(1.5, 4.0, SHAPE) - 1.0  # some negative, some faint
    rate[:4] *= 300  # bright rows: high signal-to-noise, the highest weighting powers
    rate[4, :10] = 0.0
    t = group_time * np.arange(ngroups)[:, None, None]
    data = 10000 + rate * t + rng.normal(0, 10 / np.sqrt(2), (ngroups, ny, nx))
    gdq = np.zeros((ngroups, ny, nx), np.uint8)
    hits = rng.random((ngroups, ny, nx)) < 0.02  # cosmic rays: a jump in the level
    hits[0] = False
    data += np.cumsum(hits * rng.uniform(50, 2000, hits.shape), axis=0)
    gdq[hits] |= G["JUMP_DET"]
    gdq[rng.random(gdq.shape) < 0.01] |= G["DO_NOT_USE"]
    gdq[rng.random(gdq.shape) < 0.01] |= G["PERSISTENCE"]
    for x in range(nx):  # stars: saturated from group x % ngroups on, in row 5
        gdq[x % ngroups :, 5, x] |= G["SATURATED"]
    gdq[:, 6, :8] |= G["JUMP_DET"]  # jumps everywhere: stcal's 0.0
    gdq[1::2, 7, :8] |= G["DO_NOT_USE"]  # one-group segments only
    gdq[2::3, 7, 8:16] |= G["DO_NOT_USE"]  # two- and one-group segments
    gdq[1:, 7, 16:20] |= G["DO_NOT_USE"]  # one good group: suppressed
    gdq[-1, 7, 20:24] |= G["JUMP_DET"]  # a jump on the last group
    gdq[1, 7, 24:28] |= G["JUMP_DET"] | G["DO_NOT_USE"]
    data[2, 7, 28] = np.nan  # a NaN sample in a usable group
    pixeldq = np.zeros(SHAPE, np.uint32)
    pixeldq[:, 0] |= dqflags.pixel["DO_NOT_USE"]
    pixeldq[8, 1] |= dqflags.pixel["SATURATED"]
    gain = np.full(SHAPE, 3.1, np.float32)
    gain[8, 2] = 0.0
    readnoise = np.full(SHAPE, 14.1, np.float32) * rng.uniform(0.9, 1.1, SHAPE)
    # showers masked from groups 0-3 on, as the masking rule flags them
    showers = [Shower(0, g, 6.0 + 12 * g, 30.0, 7.0, 5.0, 20.0 * g) for g in range(4)]
    mask_array(gdq[None], showers, "ramp")
    return data.astype(np.float32), gdq, pixeldq, gain, readnoise.astype(np.float32)


def stcal_fit(data, gdq, pixeldq, gain, readnoise, group_time):
    """stcal's OLS_C rateints of one integration: slope, var_poisson, var_rnoise, err, dq."""
    ramp = RampData()
    ramp.set_arrays(data[None].copy(), gdq[None].copy(), pixeldq.copy(), np.zeros(SHAPE, "f4"))
    ramp.set_meta("", group_time, group_time, 0, 1)
    ramp.drop_frames1 = 0
    ramp.set_dqflags(dqflags.pixel)
    ramp.suppress_one_group_ramps = True
    _, ints, _ = ramp_fit_data(
        ramp, False, readnoise.copy(), gain.copy(), "OLS_C", "optimal", "none"
    )
    return [ints[key][0] for key in ("slope", "var_poisson", "var_rnoise", "err", "dq")]


def assert_same_fit(fit, reference):
    rate, var_poisson, var_rnoise, err, dq = reference
    assert np.array_equal(np.isnan(fit.rate), np.isnan(rate))
    assert np.all(np.isnan(rate)[(dq & dqflags.pixel["DO_NOT_USE"]) != 0])
    both = np.isfinite(fit.rate) & np.isfinite(rate)
    difference = np.abs(fit.rate[both] - rate[both])
    assert np.all((difference <= 1e-4) | (difference <= 1e-5 * np.abs(rate[both])))
    for ours, theirs in zip(fit[1:], (var_poisson, var_rnoise, err), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-30)


@pytest.fixture(scope="module", params=sorted(TIMINGS))
def ramps(request):
    group_time, ngroups = TIMINGS[request.param]
    arrays = synthetic_ramps(group_time, ngroups)
    return group_time, arrays, stcal_fit(*arrays, group_time)


def test_the_synthetic_ramps_hold_every_case(ramps):
    group_time, (data, gdq, *_), (rate, *_) = ramps
    assert np.isnan(rate).sum() > 50 and np.all(rate[6, 1:8] == 0.0)
    assert (gdq[:4, 30] & G["JUMP_DET"]).any()  # showers from groups 0-3


@pytest.mark.parametrize("errors", [True, False])
def test_blocks_give_stcal_s_fit_on_every_pixel(ramps, errors):
    group_time, (data, gdq, pixeldq, gain, readnoise), reference = ramps
    rn_e = readnoise * (gain / np.sqrt(2.0))
    handed = []

    def rest(*arrays):
        handed.append(arrays[0].shape[1])
        return ols_fit(*arrays)

    flat = (data.reshape(data.shape[0], -1), gdq.reshape(gdq.shape[0], -1))
    fit = fit_block(
        *flat, pixeldq.ravel(), rn_e.ravel(), gain.ravel(), group_time, errors=errors, rest=rest
    )
    fit = type(fit)(*(a.reshape(SHAPE) for a in fit))
    if errors:
        assert_same_fit(fit, reference)
    else:  # the rate and read noise alone
        np.testing.assert_array_equal(np.isnan(fit.rate), np.isnan(reference[0]))
        np.testing.assert_allclose(fit.rate, reference[0], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(fit.var_rnoise, reference[2], rtol=1e-3, atol=1e-30)
        assert np.isnan(fit.err).all() and np.isnan(fit.var_poisson).all()
    assert handed == []  # only CHARGELOSS pixels leave the numpy fitters
    chargeloss = gdq.reshape(gdq.shape[0], -1).copy()
    chargeloss[5:, [7, 300, 301]] |= G["CHARGELOSS"]
    arrays = (pixeldq.ravel(), rn_e.ravel(), gain.ravel(), group_time)
    fit_block(flat[0], chargeloss, *arrays, rest=rest)
    assert handed == [3]


@pytest.mark.parametrize("engine", ["auto", "blocks", "stcal", "numpy"])
def test_every_engine_gives_stcal_s_fit(ramps, engine):
    group_time, arrays, reference = ramps
    data, gdq, pixeldq, gain, readnoise = arrays
    fit = fit_integration(
        data, gdq, pixeldq, RampTiming(group_time, group_time), gain, readnoise, engine
    )
    assert_same_fit(fit, reference)


def test_without_stcal_the_blocks_give_the_same_fit(ramps, monkeypatch):
    group_time, arrays, reference = ramps
    timing = RampTiming(group_time, group_time)
    with_stcal = fit_integration(*arrays[:3], timing, *arrays[3:])
    monkeypatch.setattr(engines, "stcal_available", lambda: False)
    monkeypatch.setattr(engines, "_stcal_fit", None)  # would fail if it were called
    without = fit_integration(*arrays[:3], timing, *arrays[3:])
    assert_same_fit(without, reference)
    np.testing.assert_allclose(without.rate, with_stcal.rate, rtol=1e-6, atol=1e-6)
