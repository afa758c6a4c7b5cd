"""Inputs and catalogs that exist but are not regular files: one line with the true reason."""

import os

import pytest
from support.cli import assert_one_line_error, run

from napari_showermask.io.catalog import Shower, write_catalog

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs (POSIX)")


@pytest.fixture
def catalog(tmp_path):
    return write_catalog([Shower(0, 2, 8, 7, 3, 2, 0)], tmp_path / "c.ecsv")


def test_a_fifo_or_a_directory_as_the_product(ramp_file, catalog, tmp_path):
    fifo = tmp_path / "fifo_jump.fits"
    os.mkfifo(fifo)
    result = run("apply", fifo, "--showers", catalog, "-o", tmp_path / "o.fits")
    assert_one_line_error(result, str(fifo), "not a regular file")
    folder = tmp_path / "folder_jump.fits"
    folder.mkdir()
    result = run("detect", folder, "-o", tmp_path / "o.ecsv")
    assert_one_line_error(result, str(folder), "is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["c.ecsv", "fifo_jump.fits", "folder_jump.fits", "small_jump.fits"]
    )


def test_a_fifo_or_a_directory_as_the_catalog(ramp_file, tmp_path):
    fifo = tmp_path / "c.ecsv"
    os.mkfifo(fifo)
    result = run("apply", ramp_file, "--showers", fifo, "-o", tmp_path / "o.fits")
    assert_one_line_error(result, str(fifo), "not a regular file")
    result = run("apply", ramp_file, "--showers", tmp_path, "-o", tmp_path / "o.fits")
    assert_one_line_error(result, str(tmp_path), "is a directory")
    assert not (tmp_path / "o.fits").exists()
