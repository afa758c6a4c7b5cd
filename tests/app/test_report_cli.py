"""``showermask apply --report``: one residual line per shower, through the console script."""

import shutil
import subprocess
import sys
from pathlib import Path

from napari_showermask.io.catalog import write_catalog
from napari_showermask.synthetic.demo import write_ramp

EXE = shutil.which("showermask") or str(Path(sys.executable).with_name("showermask"))
SHAPE = (2, 20, 64, 64)


def run(*args):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True)


def test_report_prints_one_line_per_shower_then_the_path(tmp_path):
    path, truth = write_ramp(tmp_path / "rep_jump.fits", SHAPE, seed=3)
    bright, idle, faint = truth.showers
    half = bright.moved(semi_major=bright.semi_major / 2, semi_minor=bright.semi_minor / 2)
    late = faint.moved(group=faint.group + 2)
    catalog = write_catalog([half, idle, late], tmp_path / "rep.ecsv")
    done = run("apply", path, "--showers", catalog, "--report")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 4
    assert Path(lines[-1]) == tmp_path / "rep_jump_showers_masked.fits"
    assert Path(lines[-1]).is_file()
    assert lines[0].startswith("shower 1: integration 0 group 6 ")
    assert lines[0].endswith(": check: glow outside the ellipse")
    assert lines[1].startswith("shower 2: integration 1 group 0 ") and lines[1].endswith(": ok")
    assert "-> dropped;" in lines[1]  # masked from group 0: the integration is dropped there
    assert lines[2].startswith("shower 3: integration 0 group 12 ")
    assert lines[2].endswith(": check: starts earlier")


def test_without_report_only_the_path(tmp_path):
    path, truth = write_ramp(tmp_path / "quiet_jump.fits", SHAPE, seed=3)
    catalog = write_catalog(truth.showers, tmp_path / "quiet.ecsv")
    done = run("apply", path, "--showers", catalog)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(tmp_path / "quiet_jump_showers_masked.fits")]


def test_report_on_a_ramp_without_timing_is_one_error_line_and_no_output(tmp_path):
    path, truth = write_ramp(tmp_path / "notime_jump.fits", SHAPE, seed=3)
    from astropy.io import fits

    with fits.open(path, mode="update") as hdul:
        del hdul[0].header["TGROUP"]
    catalog = write_catalog(truth.showers, tmp_path / "notime.ecsv")
    done = run("apply", path, "--showers", catalog, "--report")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"showermask: error: {path}: no TGROUP keyword: cannot fit the ramp"
    ]
    assert not (tmp_path / "notime_jump_showers_masked.fits").exists()


def test_report_with_a_shower_outside_the_data_is_one_error_line(tmp_path):
    path, truth = write_ramp(tmp_path / "out_jump.fits", SHAPE, seed=3)
    catalog = write_catalog([truth.showers[0].moved(integration=5)], tmp_path / "out.ecsv")
    done = run("apply", path, "--showers", catalog, "--report")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"showermask: error: {path}: row 0: integration 5 is outside the data (2 integration(s))"
    ]
    assert not (tmp_path / "out_jump_showers_masked.fits").exists()
