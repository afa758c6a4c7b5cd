"""``strun showermask`` publishes like ``apply``: atomic, never onto its input, one ERROR line."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from astropy.io import fits
from support.safety import error_lines, offline_env, read_only_directory, run_script, snapshot

from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import write_catalog
from napari_showermask.io.masked import write_masked
from napari_showermask.io.paths import sidecar_path
from napari_showermask.synthetic.demo import write_ramp

pytest.importorskip("jwst")
pytestmark = pytest.mark.pipeline
SHAPE = (2, 20, 64, 64)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A ramp ``x_jump.fits`` with its sidecar, and the ``apply`` output for it."""
    directory = tmp_path_factory.mktemp("source")
    path, truth = write_ramp(directory / "x_jump.fits", SHAPE, seed=3)
    write_catalog(truth.showers, sidecar_path(path))
    applied = write_masked(path, truth.showers, directory / "applied.fits")
    return path, applied


@pytest.fixture
def work(source, tmp_path):
    """A directory with a copy of the ramp and its sidecar."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(source[0], work / "x_jump.fits")
    shutil.copy(sidecar_path(source[0]), work / "x_jump_showers.ecsv")
    return work


def strun(work, *args, fsize=None):
    return run_script(
        "strun", "showermask", "x_jump.fits", *args, cwd=work, fsize=fsize,
        env=offline_env(work.parent),
    )  # fmt: skip


def assert_one_error(done, *words):
    """Exit 2, exactly one ERROR line naming ``words``, and no traceback."""
    assert done.returncode == 2, done.stderr[-3000:]
    errors = error_lines(done.stderr + done.stdout)
    assert len(errors) == 1, errors
    assert all(w in errors[0] for w in words), errors[0]
    assert "Traceback" not in done.stderr + done.stdout


def test_a_full_disk_keeps_the_previous_output_whole(work, source):
    first = strun(work, "--output_dir=out")
    assert first.returncode == 0, first.stderr[-3000:]
    # what was masked is logged through the step's own logger, which strun shows
    assert "Masking 3 shower(s) from x_jump_showers.ecsv" in first.stderr + first.stdout
    output = work / "out" / "x_showermask.fits"
    assert np.array_equal(fits.getdata(output, "GROUPDQ"), fits.getdata(source[1], "GROUPDQ"))
    before = snapshot(work)
    done = strun(work, "--output_dir=out", fsize=output.stat().st_size // 2)
    assert_one_error(done, "x_showermask.fits", "cannot write")
    assert snapshot(work) == before


def test_the_output_is_never_its_input(work):
    before = snapshot(work)
    done = strun(work, "--suffix=jump")
    assert_one_error(done, "x_jump.fits", "is an input")
    assert snapshot(work) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--showers=missing.ecsv",), ("missing.ecsv", "no such catalog file")),
        (("--showers=far.ecsv",), ("far.ecsv", "covers no pixel")),
        (("--output_dir=locked",), ("x_showermask.fits", "cannot write")),
    ],
    ids=["missing-catalog", "rows-outside", "read-only-directory"],
)
def test_bad_input_is_one_error_line(work, args, words):
    write_catalog([Shower(0, 3, 500.0, 7.0, 4.0, 2.0, 0.0)], work / "far.ecsv")
    with read_only_directory(work / "locked"):
        before = snapshot(work)
        done = strun(work, *args)
        assert_one_error(done, *words)
        assert snapshot(work) == before


def test_a_non_fits_input_is_one_error_line(work):
    (work / "x_jump.fits").write_text("not a FITS file\n")
    before = snapshot(work)
    assert_one_error(strun(work), "x_jump.fits")
    assert snapshot(work) == before


def test_demo_on_a_full_disk_leaves_no_truncated_ramp(tmp_path):
    before = snapshot(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRDS_")}
    done = run_script("showermask", "demo", tmp_path, fsize=4 * 2**20, env=env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("showermask: error: "), done.stderr
    assert "miri_showers_demo_jump.fits" in lines[0] and "cannot write" in lines[0]
    assert snapshot(tmp_path) == before
