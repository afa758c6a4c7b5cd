"""``showermask`` on odd outputs and inputs: special files, duplicate tags, a byte-order
mark, comments, huge numbers, empty products, few file descriptors: one line, nothing lost."""

from __future__ import annotations

import os
import stat

import pytest
from astropy.io import fits
from support.cli import assert_one_line_error, run
from support.files import write_product
from support.safety import run_script, snapshot

from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import write_catalog
from napari_showermask.io.masked import write_masked

DS9_HEAD = "# Region file format: DS9 version 4.1\nimage\n"


@pytest.fixture
def catalog(tmp_path):
    return write_catalog([Shower(1, 3, 8, 7, 4, 2, 30)], tmp_path / "showers.ecsv")


# 7. special files are never replaced ---------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX special files")
def test_outputs_onto_special_files_are_refused(ramp_file, catalog, tmp_path):
    fifo = tmp_path / "pipe.fits"
    os.mkfifo(fifo)
    to_stdout = tmp_path / "stdout.fits"
    to_stdout.symlink_to("/proc/self/fd/1")
    device = tmp_path / "null.fits"
    device.symlink_to("/dev/null")  # a character device, by another name
    for target in (fifo, to_stdout, device, "/dev/null"):
        before = snapshot(tmp_path)
        for extra in ([], ["--overwrite"]):
            result = run("apply", ramp_file, "--showers", catalog, "-o", target, *extra)
            assert_one_line_error(result, str(target), "not a regular file")
        assert snapshot(tmp_path) == before
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.path.islink(to_stdout) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    result = run("detect", ramp_file, "-o", fifo, "--overwrite")
    assert_one_line_error(result, str(fifo), "not a regular file")


# 6 (DS9). a region with two values for one tag ------------------------------------------
def test_a_ds9_region_with_two_integration_tags_is_refused(ramp_file, tmp_path):
    reg = tmp_path / "twice.reg"
    reg.write_text(
        DS9_HEAD + "ellipse(9,8,4,2,30) # tag={integration=0} tag={integration=1} tag={group=3}\n"
    )
    before = snapshot(tmp_path)
    result = run("apply", ramp_file, "--showers", reg)
    assert_one_line_error(result, "twice.reg: line 3", "integration")
    assert "two" in result.stderr or "twice" in result.stderr.split("line 3")[1]
    assert snapshot(tmp_path) == before


# 12. a byte-order mark, and comments that merely contain parentheses --------------------
def test_ds9_with_a_byte_order_mark_and_a_comment_with_parentheses(ramp_file, tmp_path):
    reg = tmp_path / "bom.reg"
    text = DS9_HEAD + "# reviewed (JM)\nellipse(9,8,4,2,30) # tag={integration=1} tag={group=3}\n"
    reg.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run("apply", ramp_file, "--showers", reg, "-o", tmp_path / "out.fits")
    assert result.returncode == 0, result.stderr
    expected = write_masked(ramp_file, [Shower(1, 3, 8, 7, 4, 2, 30)], tmp_path / "e.fits")
    assert fits.getdata(tmp_path / "out.fits", "GROUPDQ").tobytes() == (
        fits.getdata(expected, "GROUPDQ").tobytes()
    )


def test_ecsv_with_a_byte_order_mark(ramp_file, catalog, tmp_path):
    marked = tmp_path / "bom.ecsv"
    marked.write_bytes(b"\xef\xbb\xbf" + catalog.read_bytes())
    result = run("apply", ramp_file, "--showers", marked, "-o", tmp_path / "out.fits")
    assert result.returncode == 0, result.stderr


def test_report_checks_the_output_before_fitting(ramp_file, catalog, tmp_path):
    existing = tmp_path / "exists.fits"
    existing.write_bytes(b"kept")
    result = run("apply", ramp_file, "--showers", catalog, "--report", "-o", existing)
    assert_one_line_error(result, "exists.fits", "exists")
    assert existing.read_bytes() == b"kept"


# 11. one line where a traceback was --------------------------------------------------
def test_a_huge_coordinate_is_one_line(ramp_file, tmp_path):
    cat = tmp_path / "huge.ecsv"
    write_catalog([Shower(0, 3, 8, 7, 4, 2, 30)], cat)
    cat.write_text(cat.read_text().replace("\n0 3 8.0 7.0", "\n0 3 1.5e308 7.0"))
    assert "1.5e308" in cat.read_text()
    before = snapshot(tmp_path)
    result = run("apply", ramp_file, "--showers", cat)
    assert_one_line_error(result, "huge.ecsv", "row 0")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["detect", "report"])
def test_a_ramp_with_no_integrations_is_one_line(tmp_path, command, catalog):
    empty = tmp_path / "empty_jump.fits"
    with fits.open(write_product(tmp_path / "full_jump.fits", "ramp", (1, 4, 8, 8))) as hdul:
        for name in ("SCI", "GROUPDQ"):
            hdul[name].data = hdul[name].data[:0]
        hdul.writeto(empty)
    before = snapshot(tmp_path)
    if command == "detect":
        result = run("detect", empty)
    else:
        result = run("apply", empty, "--showers", catalog, "--report")
    assert_one_line_error(result, "empty_jump.fits", "")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("scheme", ["tls", "ucx"])
def test_unsupported_scheduler_schemes_are_one_line(ramp_file, scheme, tmp_path):
    other = write_product(tmp_path / "other_jump.fits", "ramp", (1, 4, 8, 8))
    before = snapshot(tmp_path)
    result = run("detect", ramp_file, other, "--scheduler", f"{scheme}://127.0.0.1:1")
    assert_one_line_error(result, f"{scheme}://127.0.0.1:1", "scheduler")
    assert snapshot(tmp_path) == before


def test_few_file_descriptors_are_one_line_per_file(tmp_path):
    pytest.importorskip("resource")
    inputs = [write_product(tmp_path / f"f{n}_rate.fits", "rate", (16, 20)) for n in range(3)]
    for path in inputs:
        write_catalog([Shower(0, 0, 8, 7, 4, 2, 30)], path.with_name(path.stem + "_showers.ecsv"))
    result = run_script("showermask", "apply", *inputs, "--jobs", "2", nofile=12)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("showermask: error: ") for line in lines), lines
    assert result.returncode == 2 and len(lines) <= len(inputs)
    for path in inputs:  # each file is either whole or not written
        out = path.with_name(path.stem + "_showers_masked.fits")
        assert not out.exists() or fits.getdata(out, "DQ").shape == (16, 20)
    assert not [n for n in snapshot(tmp_path) if "part" in n]
