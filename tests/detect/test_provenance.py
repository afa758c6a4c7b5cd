"""Catalogs of detected showers: rounded to what detection can tell, with their provenance."""

import dataclasses
import re

import pytest
from astropy.table import Table
from support.cli import run

import napari_showermask as sm
from napari_showermask.detect.detector import detect_showers
from napari_showermask.detect.params import DetectionParams
from napari_showermask.detect.provenance import detection_parameters, rounded
from napari_showermask.synthetic.demo import write_ramp


def decimals(value: float) -> int:
    """Digits after the point in a number's shortest text."""
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def test_detect_writes_rounded_candidates_with_provenance(tmp_path):
    path, truth = write_ramp(tmp_path / "p_jump.fits", (1, 16, 64, 64), seed=3)
    done = run("detect", path)
    assert done.returncode == 0, done.stderr
    catalog = tmp_path / "p_jump_candidates.ecsv"
    assert done.stdout.strip() == str(catalog)
    table = Table.read(catalog)
    assert len(table) >= 1
    for name in ("x", "y", "semi_major", "semi_minor"):
        assert table[name].unit == "pix" and max(map(decimals, table[name])) <= 2
    assert table["theta"].unit == "deg" and max(map(decimals, table["theta"])) <= 1
    data_lines = [line for line in catalog.read_text().splitlines() if not line.startswith("#")]
    assert not any(re.search(r"\d\.\d{5,}", line) for line in data_lines), data_lines
    meta = table.meta
    assert meta["software"] == f"napari-showermask {sm.__version__}"
    assert meta["input"] == "p_jump.fits" and re.match(r"\d{4}-\d\d-\d\dT", meta["date"])
    assert meta["detection"]["threshold"] == 15.0 and meta["detection"]["min_area"] == 20
    assert not {"progress", "cancelled", "workers", "product"} & set(meta["detection"])


def test_rounded_keeps_validity_and_extras():
    showers = [sm.Shower(0, 1, 10.123456, 4.996, 3.14159, 0.001, -0.04, extra={"score": 7.5})]
    (r,) = rounded(showers)
    assert (r.x, r.y, r.semi_major, r.semi_minor) == (10.12, 5.0, 3.14, 0.01)
    assert repr(r.theta) == "0.0" and r.extra == {"score": 7.5}


def test_detection_parameters_from_a_dataclass_a_mapping_or_the_detector():
    @dataclasses.dataclass
    class Params:
        threshold: float = 12.0
        sizes: tuple[int, int] = (3, 5)
        workers: int = 4

    assert detection_parameters(Params()) == {"sizes": [3, 5], "threshold": 12.0}
    assert detection_parameters({"b": 2, "a": (1.5,)}) == {"a": [1.5], "b": 2}
    found = detection_parameters(DetectionParams(threshold=12.0))
    assert found["scale"] == 2.5 and found["threshold"] == 12.0
    with pytest.raises(TypeError, match="dataclass, a mapping or the detector, not int"):
        detection_parameters(3)


def test_a_model_in_memory_gives_the_showers_of_its_file(tmp_path):
    from stdatamodels.jwst import datamodels

    path, _ = write_ramp(tmp_path / "m_jump.fits", (1, 16, 64, 64), seed=3)
    with sm.open_product(path) as product:
        expected = detect_showers(product)
    with datamodels.open(path) as model:
        model.meta.filename = "elsewhere_jump.fits"  # never reopened by name
        with sm.open_product(model) as product:
            assert detect_showers(product) == expected and expected
