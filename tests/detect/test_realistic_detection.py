"""Detection on realistic MIRI scenes (`napari_showermask.synthetic.realistic`)."""

import numpy as np
import pytest

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.detect.detector import detect_showers
from napari_showermask.synthetic.demo import make_ramp, write_ramp
from napari_showermask.synthetic.models import GROUP_TIME
from napari_showermask.synthetic.realistic import write_realistic
from napari_showermask.synthetic.truth import ols_bias


@pytest.mark.parametrize("shape", [(1, 10, 128, 128), (2, 30, 128, 128)], ids=["1x10", "2x30"])
def test_stars_saturation_cosmic_rays_and_residue_give_no_candidate(tmp_path, shape):
    # no shower at all: saturating and bright stars, an extended source, cosmic rays,
    # reset and RSCD residue and row noise only
    path, truth = write_realistic(tmp_path / "quiet_jump.fits", shape, seed=7, rate_factor=0.0)
    assert not truth.appearances
    kinds = {source.kind for source in truth.sources}
    assert "saturating star" in kinds
    with open_product(path) as product:
        assert detect_showers(product) == []


def test_a_faint_glow_there_at_group_0_in_one_integration_starts_at_group_0(tmp_path):
    # an idle glow in integration 1 only, decaying slowly: no jump, no visible start
    glow = Shower(1, 0, 64, 64, 16, 9, 30, extra={"kind": "idle", "amplitude": 3.0})
    glow.extra.update(decay_groups=40.0, pre_groups=10.0)
    path, _ = write_ramp(tmp_path / "g_jump.fits", (2, 24, 128, 128), [glow], 11, n_stars=1)
    with open_product(path) as product:
        found = detect_showers(product)
    assert [s.integration for s in found] == [1]
    # group 1 masks like group 0: fewer than two usable groups precede it (group 0 is
    # DO_NOT_USE), so the pixels are dropped from that integration's fit
    assert found[0].group <= 1
    inside = ellipse_mask(glow, (128, 128))
    assert (ellipse_mask(found[0], (128, 128)) & inside).sum() >= 0.9 * inside.sum()


def test_a_soft_faint_shower_is_masked_where_it_biases_the_rate(tmp_path):
    # a 3 DN/s glow with soft power-law wings from group 8 of integration 0: most of the
    # pixels it biases by more than 0.1 DN/s are far outside its visible core
    shape = (2, 30, 128, 128)
    model, _ = make_ramp(shape, [], 5, n_stars=1, n_cosmic_rays=10)
    yy, xx = np.mgrid[:128, :128]
    t = np.radians(30.0)
    along = ((xx - 60) * np.cos(t) + (yy - 66) * np.sin(t)) / 6.0
    across = (-(xx - 60) * np.sin(t) + (yy - 66) * np.cos(t)) / 3.5
    profile = (1 + (along**2 + across**2) / 5) ** -2.5
    onset = 8
    groups = np.arange(shape[1])
    charge = 3.0 * GROUP_TIME * np.clip(groups - onset + 1, 0, None)  # DN at each read
    signal = charge[:, None, None] * profile
    model.data[0] += signal.astype(np.float32)
    path = tmp_path / "soft_jump.fits"
    model.save(path)
    affected = np.abs(ols_bias(signal, model.groupdq[0], GROUP_TIME)) > 0.1
    assert affected.sum() > 300
    with open_product(path) as product:
        found = detect_showers(product)
    assert found and {s.integration for s in found} == {0}
    assert all(s.group <= onset for s in found), [
        (s.group, round(s.x), round(s.y), round(s.semi_major)) for s in found
    ]
    masked = np.any([ellipse_mask(s, (128, 128)) for s in found], axis=0)
    assert (masked & affected).sum() >= 0.9 * affected.sum(), [
        (s.group, round(s.x), round(s.y), round(s.semi_major), round(s.semi_minor)) for s in found
    ]
