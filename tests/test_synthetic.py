import numpy as np
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.catalog import read_catalog
from napari_showermask.geometry import ellipse_mask
from napari_showermask.synthetic import GROUP_TIME, make_ramp, write_demo, write_ramp

SHAPE = (2, 20, 64, 64)
DNU, SAT, JUMP = (dqflags.group[k] for k in ("DO_NOT_USE", "SATURATED", "JUMP_DET"))


def test_file_has_the_real_ramp_layout(tmp_path):
    path, truth = write_ramp(tmp_path / "s_jump.fits", SHAPE, seed=1)
    with datamodels.open(path) as model:
        assert isinstance(model, datamodels.RampModel)
        native = [a.dtype.newbyteorder("=") for a in (model.data, model.groupdq, model.pixeldq)]
        assert native == [np.float32, np.uint8, np.uint32] and model.data.shape == SHAPE
        assert model.meta.exposure.group_time == GROUP_TIME
        assert (model.groupdq[:, 0] & DNU).all() and (model.groupdq[:, -1] & DNU).all()
        assert not (model.groupdq[:, 1:-1] & DNU).any()


def test_baits_are_flagged_like_the_pipeline_does():
    model, truth = make_ramp(SHAPE, seed=2)
    ((x, y),) = truth.stars
    assert (model.groupdq[:, -1, round(y), round(x)] & SAT).all()
    assert not (model.groupdq[:, 1, 5, 5] & SAT).any()
    for i, g, yy, xx in truth.cosmic_rays:
        assert model.groupdq[i, g, yy, xx] & JUMP


def test_showers_glow_inside_their_ellipse_from_their_first_group():
    model, truth = make_ramp(SHAPE, seed=4, n_cosmic_rays=0)
    diff = np.diff(model.data.astype(np.float64), axis=1) / GROUP_TIME  # diff[k] is group k+1
    kinds = {s.extra["kind"] for s in truth.showers}
    assert kinds == {"bright", "idle", "faint"}
    for shower in truth.showers:
        inside = ellipse_mask(shower, SHAPE[-2:])
        ring = ellipse_mask(
            shower.moved(semi_major=shower.semi_major + 4, semi_minor=shower.semi_minor + 4),
            SHAPE[-2:],
        )
        ring &= ~inside
        i, g = shower.integration, max(shower.group, 1)
        excess = diff[i, g - 1][inside].mean() - diff[i, g - 1][ring].mean()
        assert excess > 2.0, shower  # DN/s, several standard errors
        if shower.group > 1:  # nothing before the first group
            before = diff[i, g - 2][inside].mean() - diff[i, g - 2][ring].mean()
            assert abs(before) < 1.0
        other = 1 - i
        assert abs(diff[other, g - 1][inside].mean() - diff[other, g - 1][ring].mean()) < 1.0
    idle = next(s for s in truth.showers if s.extra["kind"] == "idle")
    inside = ellipse_mask(idle, SHAPE[-2:])
    glow = diff[idle.integration][:, inside].mean(axis=1) - diff[1 - idle.integration][
        :, inside
    ].mean(axis=1)
    early, late = glow[:4].mean(), glow[-4:].mean()
    assert early > 4 and early > 2 * late  # present from the start, decaying


def test_same_seed_same_ramp():
    a, _ = make_ramp((1, 5, 16, 16), seed=9)
    b, _ = make_ramp((1, 5, 16, 16), seed=9)
    assert np.array_equal(a.data, b.data) and np.array_equal(a.groupdq, b.groupdq)


def test_demo_writes_ramp_and_truth(tmp_path):
    path = write_demo(tmp_path)
    assert path.name == "miri_showers_demo_jump.fits"
    showers = read_catalog(tmp_path / "miri_showers_demo_truth.ecsv")
    assert len(showers) == 3 and {s.extra["kind"] for s in showers} == {"bright", "idle", "faint"}
