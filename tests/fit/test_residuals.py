"""The residual check: correct showers pass, too-small and too-late ones are flagged."""

import math
import re

import numpy as np
import pytest
from jwst.ramp_fitting import RampFitStep
from stdatamodels.jwst import datamodels

from napari_showermask.fit.preview import RatePreview
from napari_showermask.fit.residuals import residual_report, shower_residuals
from napari_showermask.synthetic.demo import reference_models, write_ramp

SHAPE = (2, 20, 64, 64)
SEEDS = [3, 4, 5]
GLOW = "check: glow outside the ellipse"
EARLY = "check: starts earlier"


@pytest.fixture(scope="module", params=SEEDS)
def ramp(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp(f"res{request.param}")
    return write_ramp(directory / "res_jump.fits", SHAPE, seed=request.param)


def by_kind(truth):
    return {s.extra["kind"]: s for s in truth.showers}


def test_correct_showers_are_not_flagged_and_their_glow_is_gone(ramp):
    path, truth = ramp
    with RatePreview(path) as preview:
        residuals = shower_residuals(preview, truth.showers)
    for r in residuals:
        assert r.flags == (), r.text()
        assert r.inside_before.sigma > 10  # the glow was there...
        after = r.inside_after
        assert math.isnan(after.rate) or abs(after.sigma) < 4  # ...and is gone
        assert abs(r.ring_after.sigma) < 4
        assert r.text().endswith(": ok")
    idle = residuals[truth.showers.index(by_kind(truth)["idle"])]
    assert math.isnan(idle.inside_after.rate) and idle.rise is None  # dropped from group 0


@pytest.mark.parametrize("kind", ["bright", "idle", "faint"])
def test_an_ellipse_at_half_the_true_size_leaves_glow_in_the_ring(ramp, kind):
    path, truth = ramp
    showers = [
        s.moved(semi_major=s.semi_major / 2, semi_minor=s.semi_minor / 2)
        if s.extra["kind"] == kind
        else s
        for s in truth.showers
    ]
    with RatePreview(path) as preview:
        residuals = shower_residuals(preview, showers)
    for shower, r in zip(showers, residuals, strict=True):
        if shower.extra["kind"] == kind:
            assert GLOW in r.flags, r.text()
            assert r.ring_after.rate > 0 and r.ring_after.sigma > 5
        else:
            assert r.flags == (), r.text()


@pytest.mark.parametrize("kind", ["bright", "faint"])
def test_a_shower_marked_two_groups_late_starts_earlier(ramp, kind):
    path, truth = ramp
    late = by_kind(truth)[kind].moved(group=by_kind(truth)[kind].group + 2)
    showers = [late if s.extra["kind"] == kind else s for s in truth.showers]
    with RatePreview(path) as preview:
        residuals = shower_residuals(preview, showers)
    for shower, r in zip(showers, residuals, strict=True):
        if shower is late:
            assert r.flags == (EARLY,), r.text()
            assert r.rise is not None and r.rise.sigma > 5
        else:
            assert r.flags == (), r.text()


def test_one_text_line_per_shower(ramp):
    path, truth = ramp
    lines = residual_report(path, truth.showers)
    number = r"[+-]\d+\.\d\d DN/s \([+-]\d+\.\d sigma\)"
    value = rf"(?:{number}|dropped)"
    pattern = (
        rf"shower (\d): integration \d group \d+ ellipse \(\d+\.\d, \d+\.\d\): "
        rf"inside {value} -> {value}; ring {value} -> {value}; "
        rf"rise before onset (?:{number}|n/a): ok"
    )
    assert len(lines) == 3
    for n, line in enumerate(lines, start=1):
        match = re.fullmatch(pattern, line)
        assert match and match.group(1) == str(n), line


@pytest.mark.pipeline
def test_rate_products_are_checked_on_their_rate(tmp_path):
    """A jwst rate image of the synthetic ramp: no ramp, so no rise test, but the ring."""
    path, truth = write_ramp(tmp_path / "r_jump.fits", SHAPE, seed=3)
    gain, readnoise = reference_models(SHAPE[-2:])
    with datamodels.open(path) as model:
        rate, _ = RampFitStep(override_gain=gain, override_readnoise=readnoise).process(model)
    rate.save(tmp_path / "r_rate.fits")
    bright = by_kind(truth)["bright"]
    half = bright.moved(semi_major=bright.semi_major / 2, semi_minor=bright.semi_minor / 2)
    with RatePreview(tmp_path / "r_rate.fits") as preview:
        right, small = shower_residuals(preview, [bright]) + shower_residuals(preview, [half])
        after = preview.after(0, [bright])
    assert right.flags == () and right.rise is None and right.inside_before.sigma > 10
    assert right.text().startswith(f"ellipse ({bright.x:.1f}, {bright.y:.1f}): inside +")
    assert " -> dropped; ring " in right.text() and "rise" not in right.text()
    assert math.isnan(right.inside_after.rate)  # DO_NOT_USE: the rate has no value there
    assert np.isnan(after[int(bright.y), int(bright.x)])
    assert small.flags == (GLOW,)


def test_a_preview_answers_from_its_images_with_the_same_numbers(ramp):
    path, truth = ramp
    with RatePreview(path) as fitted, RatePreview(path) as shown:
        for i in range(SHAPE[0]):
            shown.before(i)  # as the viewer has it: whole images, after-image kept current
        direct = shower_residuals(fitted.fitter, truth.showers)
        from_images = shower_residuals(shown, truth.showers)
        assert [r.text() for r in from_images] == [r.text() for r in direct]
        assert set(shown._after) == {0, 1}  # the images were used and brought up to date
