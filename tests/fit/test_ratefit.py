"""The rate preview against jwst's RampFitStep (offline), and its lazy box-by-box refits."""

import numpy as np
import pytest
from jwst.ramp_fitting import RampFitStep
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import ellipse_mask, shower_pixels
from napari_showermask.core.masking import mask_array
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.fit.preview import PreviewCancelled, RatePreview
from napari_showermask.fit.ratefit import RampFitter
from napari_showermask.io.masked import write_masked
from napari_showermask.synthetic.demo import make_ramp, reference_models, write_ramp

SHAPE = (2, 20, 64, 64)
ENGINES = ["stcal", "blocks", "numpy"]


def rampfit(path):
    """jwst's per-integration rates and errors, offline with the synthetic references."""
    gain, readnoise = reference_models(SHAPE[-2:])
    with datamodels.open(path) as model:
        _, ints = RampFitStep(override_gain=gain, override_readnoise=readnoise).process(model)
        return ints.data.copy(), ints.err.copy()


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    path, truth = write_ramp(tmp_path_factory.mktemp("rf") / "syn_jump.fits", SHAPE, seed=3)
    masked = write_masked(path, truth.showers)
    return path, truth, rampfit(path), rampfit(masked)


def agree(preview, reference, error, engine):
    """Same NaNs; equal values (stcal) or within 1/1000 of jwst's error (the others)."""
    assert np.array_equal(np.isnan(preview), np.isnan(reference))
    fin = np.isfinite(reference)
    if engine == "stcal":
        np.testing.assert_array_equal(preview[fin], reference[fin])
    else:
        assert np.all(np.abs(preview[fin] - reference[fin]) <= 1e-3 * error[fin])


@pytest.mark.pipeline
@pytest.mark.parametrize("engine", ENGINES)
def test_before_and_after_match_rampfit_inside_each_shower(fitted, engine):
    path, truth, (raw, raw_err), (masked, masked_err) = fitted
    with RatePreview(path, engine=engine) as preview:
        assert preview.engine == engine
        for shower in truth.showers:
            i = shower.integration
            inside = ellipse_mask(shower, SHAPE[-2:])
            before, after = preview.before(i), preview.after(i, truth.showers)
            agree(before[inside], raw[i][inside], raw_err[i][inside], engine)
            agree(after[inside], masked[i][inside], masked_err[i][inside], engine)
            # and it is no trivial agreement: masking moves the rate by many sigma
            shift = np.nanmean(before[inside] - after[inside])
            if np.isfinite(shift):
                assert shift > 10 * np.nanmedian(raw_err[i][inside]) / np.sqrt(inside.sum())
            else:  # masked from its first usable group: jwst drops the integration there
                assert np.all(np.isnan(after[inside])) and np.all(np.isnan(masked[i][inside]))
        for i in range(SHAPE[0]):  # and everywhere else, too
            agree(preview.before(i), raw[i], raw_err[i], engine)
            agree(preview.after(i, truth.showers), masked[i], masked_err[i], engine)


def test_errors_follow_jwst_within_a_few_percent(fitted):
    path, truth, (raw, raw_err), _ = fitted
    with RatePreview(path) as preview:
        for i in range(SHAPE[0]):
            err = preview.before_error(i)
            fin = np.isfinite(raw[i])
            # only the Poisson part differs: per-integration vs all-integration median rate
            assert np.median(np.abs(err[fin] / raw_err[i][fin] - 1)) < 0.05


def test_refit_touches_only_changed_showers_and_equals_a_fresh_fit(fitted):
    path, truth, _, _ = fitted
    bright, _, faint = truth.showers  # both in integration 0
    steps = [
        [bright],
        [bright, faint],
        [bright.moved(x=bright.x + 3, semi_major=bright.semi_major + 2), faint],
        [faint],
        [],
    ]
    with open_product(path) as product:
        preview = RatePreview(product)
        before = preview.before(0)
        reads = []  # every SCI / DQ block the fitter reads from the file
        read = preview.fitter._bands.read
        preview.fitter._bands.read = lambda ext, key: reads.append(key) or read(ext, key)
        previous, shown = [], before
        for showers in steps:
            reads.clear()
            boxes = preview.refit(0, showers)
            changed = set(previous) ^ set(showers)
            assert sorted(map(str, boxes)) == sorted(
                str(shower_pixels(s, SHAPE[-2:])[0]) for s in changed
            )
            # a marked or edited shower is refitted; a deleted one takes the file's rate back
            assert bool(reads) == bool(changed & set(showers))
            for key in reads:  # nothing read outside the refitted boxes
                assert any(key[-2:] == box for box in boxes)
            image = preview.after(0, showers)
            outside = np.ones(SHAPE[-2:], bool)
            for box in boxes:
                outside[box] = False
            np.testing.assert_array_equal(image[outside], shown[outside])
            with RatePreview(path) as fresh:
                np.testing.assert_array_equal(image, fresh.after(0, showers))
            for box in boxes:  # the short refit equals a full fit of the box's whole ramp
                full = preview.fitter.fit_box(0, box, showers)[0]  # (summed in another order)
                np.testing.assert_allclose(image[box], full, rtol=1e-6, atol=1e-5)
            previous, shown = showers, image
        np.testing.assert_array_equal(shown, before)  # all deleted: back to the file
        assert preview.refit(0, []) == []  # nothing changed, nothing refitted
        preview.close()
        assert product.read("SCI", (0, 0, 0, 0)).size == 1  # a product given stays open


def test_progress_cancel_and_bad_integration(fitted):
    path, truth, _, _ = fitted
    with RatePreview(path, rows_per_block=16) as preview:
        with pytest.raises(PreviewCancelled):
            preview.before(0, cancel=lambda: True)
        seen = []
        preview.before(0, progress=lambda done, total: seen.append((done, total)))
        assert seen == [(16, 64), (32, 64), (48, 64), (64, 64)]
        with pytest.raises(ShowerMaskError, match=r"syn_jump.fits: integration 2 is outside"):
            preview.before(2)


@pytest.mark.pipeline
@pytest.mark.parametrize("group", [0, 1, 2, 3, 7])
def test_edge_cases_match_rampfit_with_both_engines(tmp_path, group):
    """Early showers (the DO_NOT_USE rule), saturation, jumps on the group after the
    discarded first one, a DO_NOT_USE column in PIXELDQ, a one-good-group pixel."""
    model, truth = make_ramp(SHAPE, seed=11, n_cosmic_rays=30)
    model.groupdq[0, 1, 10:14, 20:24] |= dqflags.group["JUMP_DET"]  # cleared by the discard
    model.groupdq[1, 2:, 30, 30] |= dqflags.group["SATURATED"]  # one good group left
    model.groupdq[1, 5, 31, 31] |= dqflags.group["JUMP_DET"] | dqflags.group["DO_NOT_USE"]
    model.pixeldq[:, 0] |= dqflags.pixel["DO_NOT_USE"] | dqflags.pixel["REFERENCE_PIXEL"]
    path = tmp_path / "edge_jump.fits"
    model.save(path)
    showers = [s.moved(group=group) for s in truth.showers]
    (raw, raw_err), (masked, masked_err) = rampfit(path), rampfit(write_masked(path, showers))
    for engine in ENGINES:
        with RatePreview(path, engine=engine) as preview:
            for i in range(SHAPE[0]):
                agree(preview.before(i), raw[i], raw_err[i], engine)
                agree(preview.after(i, showers), masked[i], masked_err[i], engine)


@pytest.mark.parametrize("kind", ["rate", "rateints"])
def test_rate_products_preview_is_the_dq_masked_rate(request, kind):
    path = request.getfixturevalue(f"{kind}_file")
    shower = Shower(1, 0, 9.0, 8.0, 4.0, 2.5, 30.0)
    with open_product(path) as product:
        sci = product.read("SCI", ())
        dq = product.read("DQ", ())
    i = 1 if kind == "rateints" else 0
    sci, plane = (sci[i], dq[i]) if kind == "rateints" else (sci, dq)
    masked = dq.copy()
    mask_array(masked, [shower], kind)
    masked = masked[i] if kind == "rateints" else masked
    dnu = dqflags.pixel["DO_NOT_USE"]
    with RatePreview(path) as preview:
        before, after = preview.before(i), preview.after(i, [shower])
    np.testing.assert_array_equal(before, np.where(plane & dnu, np.nan, sci))
    np.testing.assert_array_equal(after, np.where(masked & dnu, np.nan, sci))
    inside = ellipse_mask(shower, sci.shape)
    assert np.all(np.isnan(after[inside])) and np.isfinite(before[inside]).any()


def test_a_ramp_without_usable_groups_is_one_error(tmp_path):
    model, _ = make_ramp((1, 3, 16, 16), showers=[], seed=1)
    model.groupdq[:, 1] |= dqflags.group["DO_NOT_USE"]
    model.save(tmp_path / "dead_jump.fits")
    with open_product(tmp_path / "dead_jump.fits") as product:
        with pytest.raises(ShowerMaskError, match=r"dead_jump.fits: fewer than 2 usable groups"):
            RampFitter(product)


def test_gzipped_ramps_give_the_same_preview(fitted, tmp_path):
    import gzip
    import shutil

    path, truth, _, _ = fitted
    packed = tmp_path / "syn_jump.fits.gz"
    with open(path, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    with RatePreview(path) as plain, RatePreview(packed) as zipped:
        assert zipped.fitter._bands.layout == {}  # read through astropy, not in bands
        for i in range(SHAPE[0]):
            np.testing.assert_array_equal(zipped.before(i), plain.before(i))
            np.testing.assert_array_equal(
                zipped.after(i, truth.showers), plain.after(i, truth.showers)
            )


def test_one_contrast_for_before_and_after_follows_the_sky_not_the_star(fitted):
    path, truth, _, _ = fitted
    bright = truth.showers[0]
    with RatePreview(path) as preview:
        low, high = preview.contrast_limits(0)
        before = preview.before(0)
    assert low < np.median(truth.rate) < high < low + 5  # the sky, a few DN/s wide...
    assert np.nanmax(before) > 1000  # ...though the star reaches thousands
    assert np.median(before[ellipse_mask(bright, SHAPE[-2:])]) > high  # the glow stands out


def test_a_cancelled_refit_keeps_the_last_complete_state(fitted):
    path, truth, _, _ = fitted
    bright, _, faint = truth.showers
    with RatePreview(path) as preview:
        first = preview.after(0, [bright])
        first_err = preview.after_error(0, [bright])
        with pytest.raises(PreviewCancelled):
            preview.refit(0, [bright, faint], cancel=lambda: True)
        np.testing.assert_array_equal(preview.after(0, [bright]), first)
        np.testing.assert_array_equal(preview.after_error(0, [bright]), first_err)
        assert preview.refit(0, [bright]) == []  # still up to date with [bright]
        inside = ellipse_mask(bright, SHAPE[-2:])
        assert np.all(first_err[inside] > preview.before_error(0)[inside])  # fewer groups


def test_worker_processes_give_the_same_first_preview(fitted):
    path, _, _, _ = fitted
    seen = []
    with RatePreview(path, rows_per_block=16) as alone:
        with RatePreview(path, rows_per_block=16, workers=2) as shared:
            np.testing.assert_array_equal(
                shared.before(1, progress=lambda done, total: seen.append(total - done)),
                alone.before(1),
            )
            np.testing.assert_array_equal(shared.before_error(1), alone.before_error(1))
    assert sorted(seen, reverse=True) == [48, 32, 16, 0]


def test_the_blocks_fit_by_default_with_or_without_stcal(fitted, monkeypatch):
    import napari_showermask.fit.engines as engines

    path, truth, _, _ = fitted
    with RatePreview(path) as preview:
        assert preview.engine == "blocks"
        with_stcal = preview.after(0, truth.showers), preview.before_error(0)
    monkeypatch.setattr(engines, "stcal_available", lambda: False)
    with RatePreview(path) as preview:
        assert preview.engine == "blocks"
        without = preview.after(0, truth.showers), preview.before_error(0)
    for ours, theirs in zip(with_stcal, without, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_error_images_are_fitted_when_asked_and_then_kept_up_to_date(fitted):
    path, truth, _, _ = fitted
    bright, _, faint = truth.showers
    with RatePreview(path) as lazy, RatePreview(path) as eager:
        eager.before_error(0)  # asked from the start: every refit fits errors too
        for showers in ([bright], [bright, faint], [faint]):
            np.testing.assert_array_equal(lazy.after(0, showers), eager.after(0, showers))
        for showers in ([faint], [bright, faint], []):  # asked late, then kept up to date
            np.testing.assert_allclose(
                lazy.after_error(0, showers), eager.after_error(0, showers), rtol=1e-5
            )
        inside = ellipse_mask(faint, SHAPE[-2:])
        with_faint = lazy.after_error(0, [faint])
        assert np.all(with_faint[inside] > lazy.before_error(0)[inside])  # fewer groups
