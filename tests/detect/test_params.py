"""The detector's tuning as one frozen dataclass, passed from the API, the CLI and the Step."""

import dataclasses
import inspect

import pytest
from support.cli import assert_one_line_error, run

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import detect_showers
from napari_showermask.detect.params import DetectionParams
from napari_showermask.io.catalog import Shower, read_catalog
from napari_showermask.pipeline.task import find_showers
from napari_showermask.synthetic.demo import write_ramp

SHAPE = (1, 16, 64, 64)
TRUTH = Shower(0, 6, 32, 32, 12, 8, 30, extra={"kind": "faint", "amplitude": 8.0})


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    path = tmp_path_factory.mktemp("params") / "p_jump.fits"
    write_ramp(path, SHAPE, [TRUTH], 3, n_stars=0, n_cosmic_rays=0)
    return path


def test_params_are_frozen_documented_and_only_tuning():
    params = DetectionParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.threshold = 3.0  # type: ignore[misc]
    doc = inspect.getdoc(DetectionParams) or ""
    for field in dataclasses.fields(DetectionParams):
        assert f"{field.name} :" in doc, field.name
    keywords = set(inspect.signature(detect_showers).parameters)
    assert keywords == {"product", "params", "progress", "cancelled", "workers"}


def test_updated_parses_name_value_texts():
    params = DetectionParams().updated(["threshold=12 min_area=30", "scale=3.5,early=0"])
    assert params == DetectionParams(threshold=12.0, min_area=30, scale=3.5, early=0.0)
    assert isinstance(params.min_area, int)
    with pytest.raises(ShowerMaskError, match="'thresh=1'.*threshold"):
        DetectionParams().updated(["thresh=1"])
    with pytest.raises(ShowerMaskError, match="min_area: 'many' is not a number"):
        DetectionParams().updated(["min_area=many"])


def test_params_reach_the_detector(ramp):
    with open_product(ramp) as product:
        default = detect_showers(product)
        assert detect_showers(product, DetectionParams()) == default
        assert detect_showers(product, DetectionParams(threshold=1e6)) == []
    assert len(default) == 1
    assert find_showers(ramp, params=DetectionParams(threshold=1e6)) == []
    assert find_showers(ramp) == default


def test_cli_param_changes_the_detection_and_refuses_unknown_names(ramp, tmp_path):
    out = tmp_path / "none.ecsv"
    assert run("detect", ramp, "-o", out, "--param", "threshold=1e6").returncode == 0
    assert read_catalog(out) == []
    out = tmp_path / "default.ecsv"
    assert run("detect", ramp, "-o", out, "--param", "threshold=15").returncode == 0
    assert len(read_catalog(out)) == 1
    bad = run("detect", ramp, "-o", tmp_path / "bad.ecsv", "--param", "nope=2")
    assert_one_line_error(bad, "nope=2", "NAME=VALUE")
    assert not (tmp_path / "bad.ecsv").exists()
