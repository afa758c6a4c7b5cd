"""Catalogs as astropy tables both ways, their units, and models where arrays are taken."""

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable, Table
from stdatamodels.jwst import datamodels
from support.files import write_product
from support.reference import reference_mask

import napari_showermask as sm
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import mask_array
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.core.tables import showers_from_table, showers_to_table

SHOWERS = [
    Shower(0, 3, 8.5, 7.25, 5, 2.5, 30, extra={"score": 0.9, "source": "detect"}),
    Shower(1, 2, 12, 9, 4, 3, -60, extra={"score": 0.5, "source": "hand"}),
]


def plain_table(theta_unit=None, axis_unit=None):
    """A plain Table with the catalog's columns, as a user would build it."""
    table = Table(
        {
            "integration": [0, 1],
            "group": [3, 2],
            "x": [8.5, 12.0],
            "y": [7.25, 9.0],
            "semi_major": [5.0, 4.0],
            "semi_minor": [2.5, 3.0],
            "theta": [30.0, -60.0],
        }
    )
    if theta_unit is not None:
        table["theta"] = (table["theta"] * u.deg).to_value(theta_unit)
        table["theta"].unit = theta_unit
    if axis_unit is not None:
        table["semi_major"].unit = axis_unit
    return table


def test_table_out_has_units_and_comes_back_unchanged():
    table = sm.showers_to_table(SHOWERS)
    assert isinstance(table, QTable)
    assert table.colnames == [*sm.Shower.__dataclass_fields__][:7] + ["score", "source"]
    assert table["theta"].unit == u.deg
    assert all(table[c].unit == u.pix for c in ("x", "y", "semi_major", "semi_minor"))
    assert table["integration"].dtype.kind == "i"
    back = sm.showers_from_table(table)
    assert back == SHOWERS and [s.extra for s in back] == [s.extra for s in SHOWERS]


@pytest.mark.parametrize("theta_unit", [None, "deg", "rad", "arcmin"])
def test_theta_in_any_angle_unit_is_honoured(theta_unit):
    back = showers_from_table(plain_table(theta_unit))
    assert [s.theta for s in back] == pytest.approx([30.0, -60.0], abs=1e-9)
    quantities = QTable(plain_table(theta_unit))
    assert [s.theta for s in showers_from_table(quantities)] == pytest.approx([30, -60])


def test_pixel_units_are_accepted():
    table = plain_table()
    for name in ("x", "y", "semi_major", "semi_minor"):
        table[name].unit = "pix"
    assert showers_from_table(table) == showers_from_table(plain_table())


@pytest.mark.parametrize(
    ("column", "unit", "reason"),
    [
        ("semi_major", "arcsec", "column semi_major is in arcsec; it must be in pixels"),
        ("x", "deg", "column x is in deg; it must be in pixels"),
        ("y", "mm", "column y is in mm; it must be in pixels"),
        ("theta", "pix", "column theta is in pix; theta must be an angle"),
        ("group", "s", "column group is in s; group is a count"),
    ],
)
def test_other_units_are_refused_naming_the_column(column, unit, reason):
    table = plain_table()
    table[column].unit = unit
    with pytest.raises(ShowerMaskError, match=reason) as info:
        showers_from_table(table, "cat.ecsv")
    message = str(info.value)
    assert message.startswith("cat.ecsv: ") and "\n" not in message


def test_mask_array_takes_a_table_pixel_exact():
    dq = np.zeros((2, 6, 16, 20), np.uint8)
    dq[:, 0] = 1
    expected = reference_mask(dq, SHOWERS)
    from_table = dq.copy()
    mask_array(from_table, plain_table("rad"))
    np.testing.assert_array_equal(from_table, expected)
    from_qtable = dq.copy()
    mask_array(from_qtable, showers_to_table(SHOWERS))
    np.testing.assert_array_equal(from_qtable, expected)


def test_mask_array_takes_a_model_and_masks_its_dq(ramp_file, rateints_file):
    with datamodels.open(ramp_file) as model:
        expected = reference_mask(model.groupdq, SHOWERS)
        pixeldq = model.pixeldq.copy()
        mask_array(model, SHOWERS)
        np.testing.assert_array_equal(model.groupdq, expected)
        np.testing.assert_array_equal(model.pixeldq, pixeldq)
    with datamodels.open(rateints_file) as model:
        expected = reference_mask(model.dq, SHOWERS)
        mask_array(model, plain_table())
        np.testing.assert_array_equal(model.dq, expected)


@pytest.mark.parametrize(
    ("dq", "showers", "reason"),
    [
        (np.zeros((2, 6, 16, 20), np.uint8), "cat.ecsv", "not the path 'cat.ecsv'.*read_catalog"),
        (np.zeros((2, 6, 16, 20), np.uint8), [(0, 1, 2, 3, 4, 5, 6)], "not list holding tuple"),
        (np.zeros((2, 6, 16, 20), np.uint8), 3, "not int"),
        ("x_jump.fits", SHOWERS, "DQ array or a stdatamodels model, not str"),
    ],
)
def test_mask_array_says_what_it_takes(dq, showers, reason):
    with pytest.raises(TypeError, match=reason) as info:
        mask_array(dq, showers)
    assert "\n" not in str(info.value)


def test_open_product_takes_a_model(ramp_file, rate_file):
    for path in (ramp_file, rate_file):
        with open_product(path) as on_disk, datamodels.open(path) as model:
            before = model.data.copy()
            with sm.open_product(model) as in_memory:
                assert (in_memory.kind, in_memory.shape) == (on_disk.kind, on_disk.shape)
                assert in_memory.path.name == path.name
                index = (1, 3) if on_disk.kind == "ramp" else ()
                np.testing.assert_array_equal(
                    in_memory.difference(index), on_disk.difference(index)
                )
                np.testing.assert_array_equal(in_memory.dq[...], on_disk.dq[...])
                in_memory.difference(index)[...] = 0  # a copy: the model is not touched
            np.testing.assert_array_equal(model.data, before)
    unnamed = datamodels.RampModel(data=np.zeros((1, 4, 5, 6), np.float32))
    unnamed.groupdq = np.zeros((1, 4, 5, 6), np.uint8)
    with sm.open_product(unnamed) as product:
        assert str(product.path) == "<RampModel>" and product.kind == "ramp"


def test_open_product_says_what_it_takes(tmp_path):
    with pytest.raises(TypeError, match="file path or a stdatamodels model.*not list"):
        sm.open_product([tmp_path / "x_jump.fits"])
    cube = write_product(tmp_path / "c_rateints.fits", "rateints", (2, 8, 9))
    with datamodels.open(cube) as model, sm.open_product(model) as product:
        assert product.kind == "rateints"


@pytest.mark.parametrize("module", ["core.tables", "core.masking"])
def test_the_docstring_examples_run(module):
    import doctest
    import importlib

    found = importlib.import_module(f"napari_showermask.{module}")
    result = doctest.testmod(found, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
