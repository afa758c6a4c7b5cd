import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from support.cli import EXE, assert_one_line_error, run
from support.files import catalog_content, file_digest

from napari_showermask import __version__
from napari_showermask.io.catalog import Shower, write_catalog


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


# ---- many files at once --------------------------------------------------------------------


def test_apply_many_files_one_error_line_per_bad_file(tmp_path, ramp_file):
    from support.program import make_program

    from napari_showermask.io.masked import default_output
    from napari_showermask.io.paths import sidecar_path

    inputs, cut = make_program(tmp_path / "program")
    bad = {cut: "truncated"}
    for case in ("missing file", "not FITS", "no SCI", "wrong dimensionality"):
        make, reason = BAD_INPUTS[case]
        bad[make(tmp_path / "program", ramp_file)] = reason
    everything = [*inputs, *(p for p in bad if p != cut)]  # the truncated one is in inputs
    before = {p: file_digest(p) for p in everything if p.exists()}
    result = run("apply", *everything, "--jobs", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad), result.stderr
    for path, reason in bad.items():
        line = next(e for e in errors if e.startswith(f"showermask: error: {path}: "))
        assert reason in line
    good = [p for p in everything if p not in bad]
    assert sorted(result.stdout.split()) == sorted(str(default_output(p)) for p in good)
    (tmp_path / "single").mkdir()
    for path in good:  # byte for byte what the one-file command writes
        single = tmp_path / "single" / path.name
        one = run("apply", path, "--showers", sidecar_path(path), "-o", single)
        assert one.returncode == 0, one.stderr
        assert default_output(path).read_bytes() == single.read_bytes()
    assert {p: file_digest(p) for p in before} == before
    assert not any(default_output(p).exists() for p in bad)


def test_detect_many_files_with_two_jobs_equals_one_by_one(tmp_path):
    from support.program import make_program

    from napari_showermask.io.paths import candidates_path

    inputs, cut = make_program(tmp_path / "program", ramps=2)
    ramps = [p for p in inputs if p.name.endswith("_jump.fits")]
    result = run("detect", *ramps, "-j", "2")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"showermask: error: {cut}: truncated (60000 bytes; extension SCI needs 665280)"
    ]
    for path in ramps:
        if path == cut:
            assert not candidates_path(path).exists()
            continue
        single = tmp_path / f"{path.stem}.ecsv"
        assert run("detect", path, "-o", single).returncode == 0
        assert catalog_content(candidates_path(path)) == catalog_content(single)


def test_detect_many_accept_keeps_existing_sidecars(tmp_path):
    from support.program import make_program

    from napari_showermask.io.paths import sidecar_path

    inputs, cut = make_program(tmp_path / "program", ramps=2)
    first, second = inputs[0], inputs[1]
    kept = file_digest(sidecar_path(first))
    sidecar_path(second).unlink()
    result = run("detect", first, second, "--accept")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"showermask: error: {first}: {sidecar_path(first)}: exists (use --overwrite to "
        "replace it)"
    ]
    assert result.stdout.split() == [str(sidecar_path(second))]
    assert file_digest(sidecar_path(first)) == kept
    assert run("detect", first, second, "--accept", "--overwrite").returncode == 0
    assert file_digest(sidecar_path(first)) != kept


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (("--showers", "x.ecsv"), "--showers needs a single INPUT (2 given)"),
        (("-o", "out.fits"), "--output needs a single INPUT (2 given)"),
        (("--report",), "--report needs a single INPUT"),
        (("--jobs", "0"), "argument --jobs/-j: must be at least 1 (got 0)"),
    ],
)
def test_one_file_options_with_many_inputs_are_usage_errors(options, reason, ramp_file, tmp_path):
    other = shutil.copy(ramp_file, tmp_path / "other_jump.fits")
    listing = sorted(tmp_path.iterdir())
    assert_one_line_error(run("apply", ramp_file, other, *options), "", reason)
    assert sorted(tmp_path.iterdir()) == listing


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_progress_bar_only_on_a_terminal(tmp_path):
    import pty

    from support.program import make_program

    inputs, cut = make_program(tmp_path / "program", ramps=2)
    piped = run("apply", *inputs)
    assert "\r" not in piped.stderr and "files" not in piped.stderr
    for path in inputs:  # again, onto a terminal
        if path != cut:
            Path(str(path).replace(".fits", "_showers_masked.fits")).unlink()
    leader, follower = pty.openpty()
    with subprocess.Popen([EXE, "apply", *map(str, inputs)], stderr=follower) as proc:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
    os.close(leader)
    text = shown.decode()
    assert proc.returncode == 2
    assert f"{len(inputs)}/{len(inputs)} files, 1 failed" in text and "MB/s" in text
    assert f"showermask: error: {cut}: truncated" in text
