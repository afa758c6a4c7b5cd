import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import file_digest

from napari_showermask import __version__
from napari_showermask.catalog import Shower, write_catalog

EXE = shutil.which("showermask") or str(Path(sys.executable).with_name("showermask"))


def run(*args, cwd=None):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def catalog(tmp_path):
    return write_catalog([Shower(1, 3, 8, 7, 4, 2, 30)], tmp_path / "showers.ecsv")


def test_apply_writes_next_to_input_and_prints_the_path(ramp_file, catalog):
    result = run("apply", ramp_file, "--showers", catalog)
    assert result.returncode == 0, result.stderr
    out = ramp_file.with_name("small_jump_showers_masked.fits")
    assert result.stdout.strip() == str(out) and out.exists()
    with fits.open(out) as hdul:
        assert hdul["GROUPDQ"].data[1, 3:, 7, 8].all()


def test_apply_with_output_and_overwrite(ramp_file, catalog, tmp_path):
    target = tmp_path / "elsewhere.fits"
    assert run("apply", ramp_file, "--showers", catalog, "--output", target).returncode == 0
    again = run("apply", ramp_file, "--showers", catalog, "--output", target)
    assert again.returncode == 2 and "exists (use --overwrite" in again.stderr
    forced = run("apply", ramp_file, "--showers", catalog, "-o", target, "--overwrite")
    assert forced.returncode == 0


def test_ds9_catalog(rate_file, tmp_path):
    reg = write_catalog([Shower(0, 0, 8, 7, 4, 2, 30)], tmp_path / "showers.reg")
    result = run("apply", rate_file, "--showers", reg)
    assert result.returncode == 0, result.stderr


def test_help_and_version():
    help_text = run("--help")
    assert help_text.returncode == 0 and "apply" in help_text.stdout
    assert "demo" in help_text.stdout and "detect" in help_text.stdout
    assert run("apply", "--help").stdout.count("--overwrite") >= 1
    assert run("--version").stdout.strip() == f"showermask {__version__}"


def no_sci(path):
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((4, 4)), name="FOO")]).writeto(path)
    return path


def five_d(path):
    primary = fits.PrimaryHDU(header=fits.Header({"DATAMODL": "RampModel"}))
    hdus = [primary, fits.ImageHDU(np.zeros((1, 2, 2, 4, 4), "f4"), name="SCI")]
    fits.HDUList(hdus).writeto(path)
    return path


def truncated(path, source):
    path.write_bytes(source.read_bytes()[:-3000])
    return path


BAD_INPUTS = {
    "missing file": (lambda d, r: d / "absent_jump.fits", "no such file"),
    "not FITS": (
        lambda d, r: (d / "notes.fits").write_text("hello") and d / "notes.fits",
        "not a FITS file",
    ),  # fmt: skip
    "truncated": (lambda d, r: truncated(d / "cut_jump.fits", r), "truncated"),
    "no SCI": (lambda d, r: no_sci(d / "nosci.fits"), "no SCI extension"),
    "wrong dimensionality": (lambda d, r: five_d(d / "five.fits"), "SCI has 5 dimension"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_files(case, ramp_file, catalog, tmp_path):
    make, reason = BAD_INPUTS[case]
    bad = make(tmp_path, ramp_file)
    before = file_digest(bad) if bad.exists() else None
    listing = sorted(tmp_path.iterdir())
    result = run("apply", bad, "--showers", catalog)
    assert_one_line_error(result, bad.name, reason)
    assert sorted(tmp_path.iterdir()) == listing  # nothing written
    if before:
        assert file_digest(bad) == before


def assert_one_line_error(result, name, reason):
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("showermask: error: ")
    assert name in lines[0] and reason in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (Shower(2, 0, 8, 8, 3, 3), "row 0: integration 2 is outside the data"),
        (Shower(0, 8, 8, 8, 3, 3), "row 0: group 8 is outside the data"),
        (Shower(0, 1, 80, 8, 3, 3), "covers no pixel"),
    ],
)
def test_catalog_rows_outside_the_data(row, reason, ramp_file, tmp_path):
    cat = write_catalog([row], tmp_path / "outside.ecsv")
    before, listing = file_digest(ramp_file), sorted(tmp_path.iterdir())
    assert_one_line_error(run("apply", ramp_file, "--showers", cat), "outside.ecsv", reason)
    assert file_digest(ramp_file) == before and sorted(tmp_path.iterdir()) == listing


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("absent.ecsv", None, "no such catalog file"),
        ("garbage.ecsv", "\x00\x01 not a table", "not a readable ECSV catalog"),
        (
            "cols.ecsv",
            "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: x, datatype: float64}\nx\n1\n",
            "missing column(s) integration, group, y",
        ),  # fmt: skip
        ("garbage.reg", "image\nellipse(1,2\n", "line 2: cannot read region"),
    ],
)
def test_unreadable_catalogs(name, content, reason, ramp_file, tmp_path):
    cat = tmp_path / name
    if content is not None:
        cat.write_text(content)
    listing = sorted(tmp_path.iterdir())
    assert_one_line_error(run("apply", ramp_file, "--showers", cat), name, reason)
    assert sorted(tmp_path.iterdir()) == listing


def test_unwritable_output(ramp_file, catalog, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.fits"
    result = run("apply", ramp_file, "--showers", catalog, "--output", target)
    assert_one_line_error(result, "out.fits", "cannot write")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = run("apply", ramp_file, "--showers", catalog, "--output", blocker / "out.fits")
    assert_one_line_error(result, "out.fits", "cannot write")


def test_usage_errors_are_one_line(ramp_file):
    assert_one_line_error(run("apply", ramp_file), "", "--showers")


def test_demo_writes_a_ramp_and_truth(tmp_path):
    result = run("demo", tmp_path)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.exists() and path.parent == tmp_path
    truth = list(tmp_path.glob("*.ecsv"))
    assert truth
    masked = run("apply", path, "--showers", truth[0])
    assert masked.returncode == 0, masked.stderr


def test_demo_creates_a_missing_directory(tmp_path):
    result = run("demo", tmp_path / "new" / "dir")
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).parent == tmp_path / "new" / "dir"
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert_one_line_error(run("demo", blocker / "sub"), "a_file", "cannot write")
