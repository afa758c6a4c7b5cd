"""Candidates centred on a source that saturates in two integrations are dropped; on a hit, not."""

from dataclasses import replace

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.detect.detector import detect_showers
from napari_showermask.detect.static import saturating_sources
from napari_showermask.synthetic.demo import make_ramp

SATURATED = dqflags.group["SATURATED"]
SHAPE = (2, 20, 64, 64)
# a faint one: its score (about 19-23) is below twice the threshold
SHOWER = Shower(0, 8, 30.0, 30.0, 9.0, 7.0, 20.0, {"kind": "faint", "amplitude": 2.5})


def _detect(tmp_path, name, saturating, nints=2, amplitude=2.5):
    """Detect on a ramp with one shower whose centre saturates from group 12 in the
    integrations ``saturating``; return the candidates and the saturating pixels."""
    shower = replace(SHOWER, extra={**SHOWER.extra, "amplitude": amplitude})
    model, _ = make_ramp((nints, *SHAPE[1:]), [shower], 4, n_stars=0, n_cosmic_rays=4)
    for i in saturating:
        model.groupdq[i, 12:, 29:32, 29:32] |= SATURATED
    path = tmp_path / f"{name}_jump.fits"
    model.save(path)
    with open_product(path) as product:
        return detect_showers(product), saturating_sources(product)


def _over_centre(showers):
    return [s for s in showers if s.integration == 0 and ellipse_mask(s, SHAPE[2:])[30, 30]]


def test_a_shower_is_found_when_its_centre_saturates_in_its_own_integration_only(tmp_path):
    found, static = _detect(tmp_path, "hit", [0])
    assert static is None
    assert _over_centre(found)


def test_no_candidate_holds_a_pixel_that_saturates_in_two_integrations(tmp_path):
    found, static = _detect(tmp_path, "star", [0, 1])
    expected = np.zeros(SHAPE[2:], bool)
    expected[29:32, 29:32] = True
    assert np.array_equal(static, expected)
    assert _over_centre(found) == []
    cores = [replace(s, semi_major=s.semi_major / 2, semi_minor=s.semi_minor / 2) for s in found]
    assert not any(ellipse_mask(core, SHAPE[2:])[expected].any() for core in cores)


def test_one_integration_keeps_its_candidates(tmp_path):
    found, static = _detect(tmp_path, "lone", [0], nints=1, amplitude=6.0)
    assert static is None
    assert _over_centre(found)


def test_a_strong_shower_on_a_saturating_star_is_kept(tmp_path):
    found, static = _detect(tmp_path, "strong", [0, 1], amplitude=6.0)
    assert static is not None and static[30, 30]
    assert [s.extra["score"] >= 30 for s in _over_centre(found)] == [True]
