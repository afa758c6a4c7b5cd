"""Catalog files and astropy tables: units read and written, CSV, provenance, tables in."""

import re

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from astropy.table import QTable, Table
from stdatamodels.jwst import datamodels
from support.cli import assert_one_line_error, run
from support.files import file_digest
from support.reference import reference_mask

import napari_showermask as sm
from napari_showermask.core.errors import ShowerMaskError

SHOWERS = [
    sm.Shower(0, 3, 8.5, 7.25, 5, 2.5, 30, extra={"score": 0.9, "source": "detect"}),
    sm.Shower(1, 2, 12, 9, 4, 3, -60, extra={"score": 0.5, "source": "hand"}),
]
HEADER = "integration,group,x,y,semi_major,semi_minor,theta,source\n"
ROWS = "0,3,8.5,7.25,5,2.5,30,detect\n1,2,12,9,4,3,-60,hand\n"


def ecsv_header(path):
    """The YAML header lines of an ECSV file, without their ``# `` prefix."""
    return [line[2:] for line in path.read_text().splitlines() if line.startswith("# ")]


def test_written_ecsv_carries_units_and_provenance(tmp_path):
    product = tmp_path / "x_jump.fits"
    path = sm.write_catalog(SHOWERS, tmp_path / "c.ecsv", inputs=[product], meta={"k": 1})
    header = "\n".join(ecsv_header(path))
    for name, unit in [("x", "pix"), ("y", "pix"), ("semi_major", "pix"), ("theta", "deg")]:
        assert re.search(rf"name: {name}, unit: {unit},", header), header
    assert "__serialized_columns__" not in header  # plain units, readable by any ECSV reader
    meta = Table.read(path).meta
    assert meta["software"] == f"napari-showermask {sm.__version__}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["date"])
    assert meta["input"] == "x_jump.fits" and meta["k"] == 1


def test_read_catalog_as_table_and_table_in(tmp_path):
    path = sm.write_catalog(SHOWERS, tmp_path / "c.ecsv", inputs=[tmp_path / "x_jump.fits"])
    table = sm.read_catalog(path, as_table=True)
    assert isinstance(table, QTable)
    assert table["theta"].unit == u.deg and table["x"].unit == u.pix
    assert table.meta["input"] == "x_jump.fits"
    assert sm.showers_from_table(table) == SHOWERS
    assert sm.read_catalog(table) == SHOWERS  # a table given is checked the same way
    table["theta"] = table["theta"].to(u.rad)
    again = sm.write_catalog(table, tmp_path / "again.ecsv")  # Table in
    assert [s.theta for s in sm.read_catalog(again)] == pytest.approx([30, -60])
    assert Table.read(again).meta["input"] == "x_jump.fits"  # the table's own provenance kept


def test_theta_in_radians_is_honoured_pixel_exact(tmp_path, ramp_file):
    table = Table(sm.showers_to_table(SHOWERS))
    table["theta"] = np.deg2rad([30.0, -60.0])
    table["theta"].unit = "rad"
    table.write(tmp_path / "rad.ecsv")
    output = sm.write_masked(ramp_file, tmp_path / "rad.ecsv", tmp_path / "out.fits")
    with fits.open(ramp_file) as original, fits.open(output) as masked:
        expected = reference_mask(original["GROUPDQ"].data, SHOWERS)
        np.testing.assert_array_equal(masked["GROUPDQ"].data, expected)


def test_a_sky_unit_is_refused_in_one_line(tmp_path, ramp_file):
    table = Table(sm.showers_to_table(SHOWERS))
    table["semi_major"].unit = "arcsec"
    table.write(tmp_path / "sky.ecsv")
    with pytest.raises(ShowerMaskError, match="sky.ecsv: column semi_major is in arcsec"):
        sm.read_catalog(tmp_path / "sky.ecsv")
    before = file_digest(ramp_file)
    done = run("apply", ramp_file, "--showers", tmp_path / "sky.ecsv")
    assert_one_line_error(done, "sky.ecsv", "column semi_major is in arcsec")
    assert file_digest(ramp_file) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sky.ecsv", "small_jump.fits"]


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_plain_csv_catalog_is_read(tmp_path, ramp_file, bom):
    csv = tmp_path / "hand.csv"
    csv.write_text(bom + HEADER + ROWS, encoding="utf-8")
    assert sm.read_catalog(csv) == SHOWERS
    assert [s.extra["source"] for s in sm.read_catalog(csv)] == ["detect", "hand"]
    ecsv = sm.write_catalog(SHOWERS, tmp_path / "same.ecsv")
    done = run("apply", ramp_file, "--showers", csv, "-o", tmp_path / "from_csv.fits")
    assert done.returncode == 0, done.stderr
    run("apply", ramp_file, "--showers", ecsv, "-o", tmp_path / "from_ecsv.fits")
    with fits.open(tmp_path / "from_csv.fits") as a, fits.open(tmp_path / "from_ecsv.fits") as b:
        np.testing.assert_array_equal(a["GROUPDQ"].data, b["GROUPDQ"].data)


def test_text_that_is_no_catalog_is_refused_in_one_line(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("name,value\na,1\n")
    with pytest.raises(ShowerMaskError, match="junk.csv: not a readable catalog .*no ECSV header"):
        sm.read_catalog(junk)
    junk.write_bytes(b"\xff\xfe binary")
    with pytest.raises(ShowerMaskError, match="junk.csv: not a readable catalog .not UTF-8"):
        sm.read_catalog(junk)
    with pytest.raises(TypeError, match="file path .* or an astropy Table, not int"):
        sm.read_catalog(3)


def test_write_masked_takes_a_table_or_a_catalog_file(tmp_path, ramp_file):
    listed = sm.write_masked(ramp_file, SHOWERS, tmp_path / "listed.fits")
    tabled = sm.write_masked(ramp_file, sm.showers_to_table(SHOWERS), tmp_path / "tabled.fits")
    plain = sm.write_masked(ramp_file, Table(sm.showers_to_table(SHOWERS)), tmp_path / "p.fits")
    catalog = sm.write_catalog(SHOWERS, tmp_path / "c.ecsv")
    filed = sm.write_masked(ramp_file, catalog, tmp_path / "filed.fits")
    assert listed.read_bytes() == tabled.read_bytes() == plain.read_bytes()
    with fits.open(listed) as a, fits.open(filed) as b:  # HISTORY names the catalog file
        np.testing.assert_array_equal(a["GROUPDQ"].data, b["GROUPDQ"].data)
    with pytest.raises(ShowerMaskError, match="is an input"):
        sm.write_masked(ramp_file, catalog, catalog, overwrite=True)
    with pytest.raises(TypeError, match="not list holding Row"):
        sm.write_masked(ramp_file, list(sm.showers_to_table(SHOWERS)), tmp_path / "r.fits")
    with pytest.raises(TypeError, match="file path or a stdatamodels model.*not int"):
        sm.write_masked(3, SHOWERS, tmp_path / "n.fits")


def test_write_masked_takes_a_model(tmp_path, ramp_file, rate_file):
    for path in (ramp_file, rate_file):
        with datamodels.open(path) as model:
            name = "GROUPDQ" if isinstance(model, datamodels.RampModel) else "DQ"
            before = np.array(getattr(model, name.lower()))
            output = sm.write_masked(model, sm.showers_to_table(SHOWERS[:1]), tmp_path / "m.fits")
            np.testing.assert_array_equal(getattr(model, name.lower()), before)  # untouched
            with datamodels.open(output) as masked:
                dq = getattr(masked, name.lower())
                np.testing.assert_array_equal(dq, reference_mask(before, SHOWERS[:1]))
                np.testing.assert_array_equal(masked.data, model.data)
            history = [str(card) for card in fits.getheader(output)["HISTORY"]]
            assert history[0].startswith(f"napari-showermask {sm.__version__}: 1 shower(s)")
            with pytest.raises(ShowerMaskError, match="exists"):
                sm.write_masked(model, SHOWERS, tmp_path / "m.fits")
            with pytest.raises(TypeError, match="give output= for small_"):
                sm.write_masked(model, SHOWERS)
            output.unlink()


def test_the_docstring_examples_run():
    import doctest

    from napari_showermask.io import catalog

    result = doctest.testmod(catalog, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
