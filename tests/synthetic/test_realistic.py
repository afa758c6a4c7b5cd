"""Realistic MIRI scenes: seeded, the published population, and a truth that matches the ramp."""

import numpy as np
import pytest
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.products import open_product
from napari_showermask.synthetic.models import GROUP_TIME
from napari_showermask.synthetic.population import (
    LEAD_TIME,
    MARGIN,
    draw_showers,
    expected_count,
)
from napari_showermask.synthetic.realistic import (
    make_realistic,
    realistic_reference_models,
    write_realistic,
)
from napari_showermask.synthetic.truth import ols_bias

DNU, SAT, JUMP = (dqflags.group[k] for k in ("DO_NOT_USE", "SATURATED", "JUMP_DET"))
SMALL = (2, 10, 64, 64)


def test_the_same_seed_gives_the_same_scene_and_another_seed_another():
    a, truth_a = make_realistic(SMALL, seed=3, rate_factor=20)
    b, truth_b = make_realistic(SMALL, seed=3, rate_factor=20)
    c, _ = make_realistic(SMALL, seed=4, rate_factor=20)
    assert np.array_equal(a.data, b.data) and np.array_equal(a.groupdq, b.groupdq)
    assert np.array_equal(truth_a.bias, truth_b.bias)
    assert np.array_equal(truth_a.onset, truth_b.onset)
    assert [x.lobes for x in truth_a.appearances] == [x.lobes for x in truth_b.appearances]
    assert not np.array_equal(a.data, c.data)


def test_the_file_is_a_miri_ramp_our_reader_opens(tmp_path):
    path, truth = write_realistic(tmp_path / "r_jump.fits", SMALL, seed=1)
    with datamodels.open(path) as model:
        assert isinstance(model, datamodels.RampModel)
        assert model.data.shape == SMALL and model.meta.exposure.readpatt == "FASTR1"
        assert model.meta.exposure.group_time == GROUP_TIME
        assert (model.groupdq[:, 0] & DNU).all() and (model.groupdq[:, -1] & DNU).all()
    with open_product(path) as product:
        assert (product.nints, product.ngroups) == SMALL[:2]
        assert product.image_shape == SMALL[-2:]


def test_shower_arrivals_follow_the_published_rate():
    # one shower per 40 s on the full array, plus those centred within the margin around it
    margin = (1024 + 2 * MARGIN) * (1032 + 2 * MARGIN) / (1024 * 1032)
    assert expected_count((1024, 1032), 40.0) == pytest.approx(margin)
    assert 1.0 < margin < 1.1
    rng = np.random.default_rng(0)
    end = 200.0
    counts = [len(draw_showers(rng, (256, 256), end)) for _ in range(400)]
    expected = expected_count((256, 256), LEAD_TIME + end)
    assert np.mean(counts) == pytest.approx(expected, rel=0.1)
    assert np.var(counts) == pytest.approx(expected, rel=0.25)  # Poisson


def test_peaks_are_faint_with_a_spread_from_below_1_to_above_3_dns():
    rng = np.random.default_rng(1)
    showers = draw_showers(rng, (1024, 1032), 4000.0)
    peaks = np.array([s.peak for s in showers])
    assert len(peaks) > 100
    assert 1.5 < np.median(peaks) < 2.2  # ~2 DN/s typical
    assert 0.07 < np.mean(peaks < 1) < 0.25 and 0.08 < np.mean(peaks > 3) < 0.3
    assert peaks.max() <= 6.0  # never more than a few DN/s
    multi = np.mean([len(s.lobes) > 1 for s in showers])
    assert 0.55 < multi < 0.85  # most are lobed
    hits = np.mean([s.primary > 0 for s in showers])
    assert 0.35 < hits < 0.65


def test_glows_from_the_idle_time_and_earlier_integrations_are_there_at_group_0():
    kinds = {}
    for seed in range(3):
        model, truth = make_realistic((2, 10, 128, 128), seed=seed, rate_factor=40)
        for a in truth.appearances:
            kinds.setdefault(a.kind, []).append(a)
            if a.kind != "onset":
                assert a.group == 0 and a.glow_curve[0] > 0  # charge by the first read
                assert not a.flash_curve.any()  # the flash was lost in a reset
            else:
                assert a.group >= 1 and not a.glow_curve[: a.group].any()
                assert a.flash_curve[a.group] > 0
    assert {"onset", "idle", "carried"} <= set(kinds)
    assert any(a.affected.any() for a in kinds["idle"] + kinds["carried"])


def test_every_shower_appears_from_the_integration_it_begins_in_on():
    shape = (3, 10, 64, 64)
    model, truth = make_realistic(shape, seed=11, rate_factor=200)
    seen = {(a.shower, a.integration) for a in truth.appearances}
    period = (shape[1] + 1) * GROUP_TIME
    begun = 0
    for k, shower in enumerate(truth.showers):
        if shower.onset_time < 0 or not any(s == k for s, _ in seen):
            continue  # from the idle time, or never reaching the scene
        first = int(shower.onset_time // period)
        if shower.onset_time - first * period >= shape[1] * GROUP_TIME:
            first += 1  # during a reset: glowing at the next integration's group 0
        assert {(k, i) for i in range(first, shape[0])} <= seen
        begun += first > 0
    assert begun >= 3


def test_saturating_stars_are_flagged_from_the_group_they_saturate_wings_later():
    model, truth = make_realistic((1, 40, 96, 96), seed=5)
    stars = [s for s in truth.sources if s.kind == "saturating star"]
    assert stars
    flagged = (model.groupdq[0] & SAT) > 0
    assert np.all(np.diff(flagged.astype(int), axis=0) >= 0)  # once saturated, always
    assert np.all(model.data[0][flagged] == model.data[0][flagged].max())
    for star in stars:
        y, x = round(star.y), round(star.x)
        near = flagged[:, y - 6 : y + 7, x - 6 : x + 7].sum(axis=(1, 2))
        assert near[-1] > near[0] >= 0 and flagged[-1, y, x]
        assert len(np.unique(near)) > 3  # the wings saturate group by group
    bright = [s for s in truth.sources if s.kind == "star"]
    for star in bright:
        assert not flagged[:, round(star.y), round(star.x)].any()


def test_truth_bias_is_the_least_squares_slope_of_the_showers_own_signal():
    model, truth = make_realistic((1, 10, 128, 128), seed=2, rate_factor=10)
    signal = truth.shower_signal(0, 10).astype(np.float64)
    ys, xs = np.nonzero(truth.affected[0])
    assert len(ys) > 20
    checked = 0
    t = np.arange(10) * GROUP_TIME
    for y, x in list(zip(ys, xs, strict=True))[:: max(1, len(ys) // 40)]:
        dq = model.groupdq[0, :, y, x]
        if (dq & JUMP).any():
            continue
        use = (dq & (DNU | SAT)) == 0
        slope = np.polyfit(t[use], signal[use, y, x], 1)[0]
        assert truth.bias[0, y, x] == pytest.approx(slope, rel=1e-4, abs=1e-5)
        checked += 1
    assert checked > 10
    onset = truth.onset[0]
    assert (onset[truth.affected[0]] >= 0).all() and (onset[signal.max(axis=0) == 0] == -1).all()


def test_ols_bias_follows_the_segments_and_skips_unusable_groups():
    t = np.arange(8) * GROUP_TIME
    signal = (2.0 * t).reshape(8, 1)
    dq = np.zeros((8, 1), np.uint8)
    dq[0] = dq[-1] = DNU
    assert ols_bias(signal, dq, GROUP_TIME)[0] == pytest.approx(2.0)
    stepped = signal.copy()
    stepped[4:] += 500.0  # a jump, flagged: two segments of slope 2
    dq[4] |= JUMP
    assert ols_bias(stepped, dq, GROUP_TIME)[0] == pytest.approx(2.0)
    spoiled = signal.copy()
    spoiled[-1] += 1e4  # on a DO_NOT_USE group: left out
    dq[4] = 0
    assert ols_bias(spoiled, dq, GROUP_TIME)[0] == pytest.approx(2.0)
    dq[2:] |= SAT  # one usable group left: no slope
    assert ols_bias(signal, dq, GROUP_TIME)[0] == 0.0


@pytest.mark.pipeline
def test_jwst_ramp_fit_sees_the_truth_bias_where_showers_are():
    from jwst.ramp_fitting import RampFitStep

    shape = (1, 10, 64, 64)
    model, truth = make_realistic(shape, seed=7, rate_factor=40)
    clean = model.copy()
    clean.data[0] -= truth.shower_signal(0, shape[1])
    rates = []
    for ramp in (model, clean):
        gain, readnoise = realistic_reference_models(shape[-2:])
        _, ints = RampFitStep(override_gain=gain, override_readnoise=readnoise).process(ramp)
        rates.append(ints.data[0])
    measured = rates[0] - rates[1]
    affected = truth.affected[0] & np.isfinite(measured)
    assert affected.sum() > 50
    err = measured[affected] - truth.bias[0][affected]
    assert abs(np.median(err)) < 0.02 and np.percentile(np.abs(err), 90) < 0.1
