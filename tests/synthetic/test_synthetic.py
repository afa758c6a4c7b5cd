import numpy as np
import pytest
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.io.catalog import Shower, read_catalog
from napari_showermask.synthetic.demo import (
    GROUP_TIME,
    SATURATION,
    make_ramp,
    reference_models,
    write_demo,
    write_ramp,
)

SHAPE = (2, 20, 64, 64)
DNU, SAT, JUMP = (dqflags.group[k] for k in ("DO_NOT_USE", "SATURATED", "JUMP_DET"))


def differences(model):
    """Difference frames in DN/s; ``diff[i, k]`` is group k+1 minus group k."""
    return np.diff(model.data.astype(np.float64), axis=1) / GROUP_TIME


def ring_around(shower, width=4):
    inside = ellipse_mask(shower, SHAPE[-2:])
    grown = shower.moved(
        semi_major=shower.semi_major + width, semi_minor=shower.semi_minor + width
    )
    return inside, ellipse_mask(grown, SHAPE[-2:]) & ~inside


def test_file_has_the_real_ramp_layout(tmp_path):
    path, truth = write_ramp(tmp_path / "s_jump.fits", SHAPE, seed=1)
    with datamodels.open(path) as model:
        assert isinstance(model, datamodels.RampModel)
        native = [a.dtype.newbyteorder("=") for a in (model.data, model.groupdq, model.pixeldq)]
        assert native == [np.float32, np.uint8, np.uint32] and model.data.shape == SHAPE
        exposure = model.meta.exposure
        assert exposure.group_time == exposure.frame_time == GROUP_TIME
        counts = (exposure.nints, exposure.ngroups, exposure.nframes, exposure.groupgap)
        assert counts == (2, 20, 1, 0)
        assert model.meta.instrument.name == "MIRI" and exposure.type == "MIR_IMAGE"
        assert (model.meta.subarray.xsize, model.meta.subarray.ysize) == (64, 64)
        assert (model.groupdq[:, 0] & DNU).all() and (model.groupdq[:, -1] & DNU).all()
        assert not (model.groupdq[:, 1:-1] & DNU).any()
        assert 9900 < np.median(model.data[:, 0]) < 10100  # bias plus one group of sky


def test_star_saturates_and_is_flagged_from_then_on():
    model, truth = make_ramp(SHAPE, seed=2)
    ((x, y),) = truth.stars
    core = model.groupdq[:, :, round(y), round(x)] & SAT > 0
    assert core[:, -1].all() and not core[:, 0].any()  # saturates after a few groups
    assert np.all(np.diff(core.astype(int), axis=1) >= 0)  # and stays saturated
    flagged = (model.groupdq & SAT) > 0
    assert np.all(model.data[flagged] == SATURATION)
    assert np.all(model.data[~flagged] < SATURATION)
    assert not flagged[:, :, 5, 5].any()


def test_cosmic_rays_are_sharp_jumps_flagged_at_their_group():
    model, truth = make_ramp(SHAPE, seed=2, n_cosmic_rays=12)
    diff = differences(model) * GROUP_TIME  # DN
    assert len(truth.cosmic_rays) == 12
    for i, g, y, x in truth.cosmic_rays:
        assert model.groupdq[i, g, y, x] & JUMP
        assert diff[i, g - 1, y, x] > 250
        assert not (model.groupdq[i, g + 1 :, y, x] & JUMP).any()  # flagged at the hit only


def test_bright_shower_has_a_flagged_primary_at_its_first_group_only():
    model, truth = make_ramp(SHAPE, seed=3, n_cosmic_rays=0)
    for shower in truth.showers:
        inside = ellipse_mask(shower, SHAPE[-2:])
        jumps = model.groupdq[shower.integration][:, inside] & JUMP > 0
        if shower.extra["kind"] == "bright":
            assert jumps[shower.group].any() and jumps.sum(axis=0).max() == 1
            assert set(np.nonzero(jumps)[0]) == {shower.group}
        else:
            assert not jumps.any()  # idle and faint showers have no primary hit


def test_showers_glow_inside_their_ellipse_from_their_first_group():
    model, truth = make_ramp(SHAPE, seed=4, n_cosmic_rays=0)
    diff = differences(model)
    assert [s.extra["kind"] for s in truth.showers] == ["bright", "idle", "faint"]
    for shower in truth.showers:
        inside, ring = ring_around(shower)
        i, g = shower.integration, max(shower.group, 1)
        excess = diff[i, g - 1][inside].mean() - diff[i, g - 1][ring].mean()
        assert excess > 2.0, shower  # DN/s: several standard errors
        if shower.group > 1:  # nothing before the first group
            before = diff[i, g - 2][inside].mean() - diff[i, g - 2][ring].mean()
            assert abs(before) < 1.0
        other = 1 - i  # and nothing in the other integration
        assert abs(diff[other, g - 1][inside].mean() - diff[other, g - 1][ring].mean()) < 1.0
        # the ring just outside sees only noise: its difference is the sky rate
        assert abs(diff[i, g - 1][ring].mean() - truth.rate[ring].mean()) < 1.0


def test_idle_shower_glows_from_the_first_difference_and_decays():
    model, truth = make_ramp(SHAPE, seed=5, n_cosmic_rays=0)
    diff = differences(model)
    idle = next(s for s in truth.showers if s.extra["kind"] == "idle")
    assert idle.group == 0
    inside = ellipse_mask(idle, SHAPE[-2:])
    i = idle.integration
    glow = diff[i][:, inside].mean(axis=1) - diff[1 - i][:, inside].mean(axis=1)
    early, late = glow[:4].mean(), glow[-4:].mean()
    assert glow[0] > 4 and early > 2 * late  # present at group 1, decaying


def test_custom_showers_take_the_kind_defaults():
    showers = [
        Shower(0, 5, 30, 30, 8, 5, 10, extra={"kind": "faint"}),
        Shower(1, 8, 20, 40, 5, 3),  # no kind: bright
        Shower(1, 0, 45, 15, 6, 4, extra={"kind": "idle", "amplitude": 9.0, "pre_groups": 2}),
    ]
    model, truth = make_ramp(SHAPE, showers, seed=6, n_stars=0, n_cosmic_rays=0)
    assert [s.extra["kind"] for s in truth.showers] == ["faint", "bright", "idle"]
    assert truth.showers[2].extra["amplitude"] == 9.0
    assert all(s.extra["decay_groups"] > 0 and s.extra["amplitude"] > 0 for s in truth.showers)
    assert truth.stars == [] and truth.cosmic_rays == []
    assert model.groupdq[1, 8][ellipse_mask(showers[1], SHAPE[-2:])].any()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"showers": [Shower(0, 3, 30, 30, 5, 5, extra={"kind": "huge"})]},
        {"showers": [Shower(2, 3, 30, 30, 5, 5)]},
        {"showers": [Shower(0, 20, 30, 30, 5, 5)]},
        {"shape": (2, 2, 64, 64)},
        {"n_stars": 5},
        {"bad_column": 64},
    ],
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        make_ramp(**{"shape": SHAPE, **kwargs})


def test_baits_add_to_the_true_rate():
    _, plain = make_ramp(SHAPE, seed=7, n_stars=0)
    _, bait = make_ramp(SHAPE, seed=7, n_stars=2, bad_column=10, extended_source=True)
    extra = bait.rate - plain.rate
    assert len(bait.stars) == 2 and extra[:, 10].min() > 20
    assert extra[32, 32] > 5 and abs(extra[2, 40]) < 0.1  # the extended source is broad


def test_same_seed_same_ramp():
    a, _ = make_ramp((1, 5, 16, 16), seed=9)
    b, _ = make_ramp((1, 5, 16, 16), seed=9)
    c, _ = make_ramp((1, 5, 16, 16), seed=10)
    assert np.array_equal(a.data, b.data) and np.array_equal(a.groupdq, b.groupdq)
    assert not np.array_equal(a.data, c.data)


def test_demo_writes_ramp_and_truth(tmp_path):
    path = write_demo(tmp_path)
    assert path == tmp_path / "miri_showers_demo_jump.fits"
    with datamodels.open(path) as model:
        assert model.data.shape == (2, 30, 256, 256)
    showers = read_catalog(tmp_path / "miri_showers_demo_truth.ecsv")
    assert [s.extra["kind"] for s in showers] == ["bright", "idle", "faint"]
    with pytest.raises(ShowerMaskError, match="miri_showers_demo_jump.fits: exists"):
        write_demo(tmp_path)  # an earlier copy is kept unless told otherwise
    assert write_demo(tmp_path, overwrite=True) == path


@pytest.mark.pipeline
def test_jwst_ramp_fitting_recovers_the_rate_except_in_showers():
    from jwst.ramp_fitting import RampFitStep

    model, truth = make_ramp(SHAPE, seed=8)
    gain, readnoise = reference_models(SHAPE[-2:])
    step = RampFitStep(override_gain=gain, override_readnoise=readnoise)
    rate, rateints = step.process(model)
    showers = np.any([ellipse_mask(s, SHAPE[-2:]) for s in truth.showers], axis=0)
    clean = ~showers & (truth.rate < 100)  # away from the saturating star
    z = (rate.data[clean] - truth.rate[clean]) / rate.err[clean]
    assert abs(np.median(z)) < 0.1 and 0.85 < np.std(z) < 1.15  # errors match the noise
    assert np.abs(z).max() < 5.5
    for shower in truth.showers:  # unmasked, each shower biases its integration high
        inside = ellipse_mask(shower, SHAPE[-2:])
        i = shower.integration
        z_in = (rateints.data[i][inside] - truth.rate[inside]) / rateints.err[i][inside]
        z_other = (rateints.data[1 - i][inside] - truth.rate[inside]) / rateints.err[1 - i][inside]
        assert z_in.mean() > 5, shower
        assert abs(z_other.mean()) < 4 / np.sqrt(inside.sum()) + 0.1


@pytest.mark.pipeline
def test_jwst_jump_step_accepts_the_reference_models():
    from jwst.jump import JumpStep

    model, truth = make_ramp(SHAPE, seed=8)
    gain, readnoise = reference_models(SHAPE[-2:])
    jumped = JumpStep(override_gain=gain, override_readnoise=readnoise).process(model)
    for i, g, y, x in truth.cosmic_rays:
        assert jumped.groupdq[i, g, y, x] & JUMP
    # with the read noise right, false jumps are rare away from the baits and showers
    new = (jumped.groupdq & JUMP > 0) & ~(model.groupdq & JUMP > 0)
    assert new.mean() < 0.005
