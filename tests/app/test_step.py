"""The showermask jwst Step: strun, call(), a Detector1Pipeline post-hook, then ramp fitting."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst import datamodels
from support.files import file_digest, write_product

from napari_showermask import __version__
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import detect_showers
from napari_showermask.io.catalog import write_catalog
from napari_showermask.io.masked import write_masked
from napari_showermask.io.paths import sidecar_path
from napari_showermask.synthetic.demo import reference_models, write_ramp

jwst = pytest.importorskip("jwst")
from jwst.pipeline import Detector1Pipeline  # noqa: E402
from jwst.ramp_fitting import RampFitStep  # noqa: E402
from stpipe import crds_client  # noqa: E402

from napari_showermask.step import ShowerMaskStep  # noqa: E402

pytestmark = pytest.mark.pipeline
SHAPE = (2, 20, 64, 64)
BIN = Path(sys.executable).parent
HOOK = "napari_showermask.step.ShowerMaskStep"


@pytest.fixture(autouse=True)
def _no_crds_steppars(monkeypatch):
    """Step parameters from CRDS off (as ``--disable-crds-steppars``)."""
    monkeypatch.setenv("STPIPE_DISABLE_CRDS_STEPPARS", "True")


@pytest.fixture(scope="module")
def exposure(tmp_path_factory):
    """A synthetic ramp ``x_jump.fits``, its sidecar catalog, and its ``apply`` output."""
    directory = tmp_path_factory.mktemp("exposure")
    path, truth = write_ramp(directory / "x_jump.fits", SHAPE, seed=3)
    catalog = write_catalog(truth.showers, sidecar_path(path))
    applied = write_masked(path, truth.showers, directory / "applied.fits")
    return path, truth.showers, catalog, applied


def groupdq(path):
    return fits.getdata(path, "GROUPDQ")


def test_the_entry_point_names_the_step():
    found = [
        ep for ep in importlib.metadata.entry_points(group="stpipe.steps")
        if ep.dist.name == "napari-showermask"
    ]  # fmt: skip
    assert [ep.load()() for ep in found] == [
        [("napari_showermask.step.ShowerMaskStep", "showermask", False)]
    ]
    listed = subprocess.run([BIN / "stpipe", "list"], capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert "napari_showermask.step.ShowerMaskStep (showermask)" in listed.stdout


def test_importing_the_package_and_batch_never_imports_jwst():
    code = (
        "import sys, napari_showermask, napari_showermask.pipeline.batch; "
        "print('jwst' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_strun_through_the_console_script_offline(exposure, tmp_path):
    path, _, _, applied = exposure
    work = tmp_path / "run"
    work.mkdir()
    ramp = shutil.copy(path, work / "x_jump.fits")
    shutil.copy(sidecar_path(path), sidecar_path(ramp))
    before = file_digest(ramp)
    env = dict(os.environ, CRDS_PATH=str(tmp_path / "crds"), CRDS_SERVER_URL="http://127.0.0.1:9")
    env.pop("STPIPE_DISABLE_CRDS_STEPPARS", None)  # the command-line flag does it
    done = subprocess.run(
        [BIN / "strun", "showermask", "x_jump.fits", "--disable-crds-steppars"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    output = work / "x_showermask.fits"
    assert np.array_equal(groupdq(output), groupdq(applied))
    assert not np.array_equal(groupdq(output), groupdq(ramp))
    assert np.array_equal(fits.getdata(output, "SCI"), fits.getdata(ramp, "SCI"))
    with datamodels.open(output) as model:
        assert model.meta.cal_step.showermask == "COMPLETE"
    history = [str(card) for card in fits.getheader(output)["HISTORY"]]
    # the same HISTORY text as `showermask apply`, with the catalog it came from
    assert (
        history[0] == f"napari-showermask {__version__}: 3 shower(s) masked, JUMP_DET OR-ed into"
    )
    assert "from x_jump_showers.ecsv" in history
    assert file_digest(ramp) == before


def test_call_with_a_model_and_a_catalog_in_another_place(exposure, tmp_path):
    path, showers, _, applied = exposure
    catalog = write_catalog(showers, tmp_path / "elsewhere.reg")
    with datamodels.open(path) as model:
        before = model.groupdq.copy()
        result = ShowerMaskStep.call(model, showers=str(catalog))
        assert np.array_equal(model.groupdq, before)  # the input model is not changed
    assert np.array_equal(result.groupdq, groupdq(applied))
    assert result.meta.cal_step.showermask == "COMPLETE"


def test_without_a_catalog_the_step_is_skipped(tmp_path):
    path, _ = write_ramp(tmp_path / "lonely_jump.fits", SHAPE, seed=4)
    result = ShowerMaskStep.call(str(path))
    assert result.meta.cal_step.showermask == "SKIPPED"
    assert np.array_equal(result.groupdq, groupdq(path))


def test_a_named_catalog_that_is_missing_is_an_error(exposure, tmp_path):
    path = exposure[0]
    with pytest.raises(ShowerMaskError, match="missing.ecsv: no such catalog file"):
        ShowerMaskStep.call(str(path), showers=str(tmp_path / "missing.ecsv"))


def test_detect_masks_what_detection_finds_when_there_is_no_catalog(tmp_path):
    path, _ = write_ramp(tmp_path / "found_jump.fits", SHAPE, seed=5)
    with open_product(path) as product:
        found = detect_showers(product)
    assert found
    expected = groupdq(write_masked(path, found, tmp_path / "expected.fits"))
    assert np.array_equal(ShowerMaskStep.call(str(path), detect=True).groupdq, expected)
    with datamodels.open(path) as model:  # an in-memory model: the same showers
        assert np.array_equal(ShowerMaskStep.call(model, detect=True).groupdq, expected)
    # the detection parameters reach the detector: nothing passes these thresholds (the
    # search's, and the one for glows already there at the first group)
    strict = ShowerMaskStep.call(
        str(path), detect=True, detect_params=["threshold=1e6", "glow_threshold=1e6"]
    )
    assert np.array_equal(strict.groupdq, groupdq(path))


@pytest.mark.parametrize("kind", ["rate", "rateints"])
def test_rate_products_get_the_same_dq_as_apply(tmp_path, kind):
    shape = (16, 20) if kind == "rate" else (2, 16, 20)
    path = write_product(tmp_path / f"p_{kind}.fits", kind, shape)
    from napari_showermask.core.shower import Shower

    showers = [Shower(1, 0, 8.0, 7.0, 4.0, 2.5, 20.0)]
    write_catalog(showers, sidecar_path(path))
    expected = fits.getdata(write_masked(path, showers), "DQ")
    result = ShowerMaskStep.call(str(path))
    assert result.meta.cal_step.showermask == "COMPLETE"
    assert np.array_equal(result.dq, expected) and not np.array_equal(
        expected, fits.getdata(path, "DQ")
    )


def fit(model_or_path):
    gain, readnoise = reference_models(SHAPE[-2:])
    step = RampFitStep(override_gain=gain, override_readnoise=readnoise)
    with datamodels.open(model_or_path) as model:
        rate, rateints = step.process(model)
    return rate.data.copy(), rateints.data.copy()


def test_ramp_fitting_the_step_output_equals_fitting_the_apply_output(exposure):
    path, _, catalog, applied = exposure
    stepped = ShowerMaskStep.call(str(path), showers=str(catalog))
    (rate, ints), (rate_applied, ints_applied) = fit(stepped), fit(str(applied))
    np.testing.assert_array_equal(rate, rate_applied)  # NaN where dropped, in both
    np.testing.assert_array_equal(ints, ints_applied)
    assert np.isnan(ints).any()  # some pixels did drop an integration


def run_detector1(uncal: Path, output_dir: Path, hook: bool | ShowerMaskStep) -> Path:
    """Run calwebb_detector1 up to jump (other steps skipped) and return the saved jump file."""
    references = {}
    for model, name in zip(reference_models(SHAPE[-2:]), ("gain", "readnoise"), strict=True):
        model.save(uncal.parent / f"{name}.fits")  # a pipeline takes references as files
        references[f"override_{name}"] = str(uncal.parent / f"{name}.fits")
    steps = {name: {"skip": True} for name in Detector1Pipeline.step_defs if name != "jump"}
    steps["jump"] = {
        **references,
        "save_results": True,
        "output_dir": str(output_dir),
        "post_hooks": [hook if isinstance(hook, ShowerMaskStep) else HOOK] if hook else [],
    }
    output_dir.mkdir()
    Detector1Pipeline.call(str(uncal), steps=steps, save_results=False)
    return output_dir / uncal.name.replace("_uncal", "_jump")


def test_detector1_with_the_step_as_a_jump_post_hook_equals_apply(tmp_path, monkeypatch):
    # references were given (override_*): only the name of the CRDS context is looked up
    monkeypatch.setattr(crds_client, "get_context_used", lambda observatory: "offline.pmap")
    uncal, truth = write_ramp(tmp_path / "x_uncal.fits", SHAPE, seed=3, n_cosmic_rays=30)
    plain = run_detector1(uncal, tmp_path / "plain", hook=False)
    # the catalog reviewed on the jump product, where the pipeline's input lives
    write_catalog(truth.showers, sidecar_path(tmp_path / "x_jump.fits"))
    hooked = run_detector1(uncal, tmp_path / "hooked", hook=True)
    assert (groupdq(plain) & 4).any()  # the jump step itself flagged cosmic rays
    expected = groupdq(write_masked(plain, truth.showers, tmp_path / "applied.fits"))
    assert np.array_equal(groupdq(hooked), expected)
    assert not np.array_equal(expected, groupdq(plain))
    with datamodels.open(hooked) as model:
        assert model.meta.cal_step.showermask == "COMPLETE"
        assert model.meta.cal_step.jump == "COMPLETE"


def test_a_configured_step_instance_as_a_hook_takes_its_catalog(tmp_path, monkeypatch):
    monkeypatch.setattr(crds_client, "get_context_used", lambda observatory: "offline.pmap")
    uncal, truth = write_ramp(tmp_path / "y_uncal.fits", SHAPE, seed=6)
    plain = run_detector1(uncal, tmp_path / "plain", hook=False)
    catalog = write_catalog(truth.showers[:1], tmp_path / "one.reg")
    hook = ShowerMaskStep(showers=str(catalog))
    hooked = run_detector1(uncal, tmp_path / "hooked", hook=hook)
    expected = groupdq(write_masked(plain, truth.showers[:1], tmp_path / "applied.fits"))
    assert np.array_equal(groupdq(hooked), expected)
