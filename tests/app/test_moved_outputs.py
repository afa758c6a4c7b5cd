"""An output's directory moved, replaced or removed while ``showermask apply`` writes into
it: the output never lands anywhere else (least of all onto the input), one line, exit 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from astropy.io import fits
from support.cli import start
from support.processes import grid_showers, write_big_ramp, writing_temporary_into
from support.safety import snapshot

from napari_showermask.core.dq import JUMP_DET
from napari_showermask.io.catalog import Shower, write_catalog
from napari_showermask.io.paths import sidecar_path

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/proc shows when the output is being written"
)

NOT_WRITTEN = "not written (its directory was moved or replaced while it was written)"


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    """A 136 MB ramp with a sidecar of many showers: a second or more of writing."""
    path = write_big_ramp(tmp_path_factory.mktemp("moved") / "big_jump.fits", (1, 25, 1024, 1032))
    write_catalog(grid_showers(1), sidecar_path(path))
    return path


def while_writing(ramp, output, change):
    """Run ``apply`` onto ``output`` with ``--overwrite``; ``change()`` once it writes."""
    process = start("apply", ramp, "-o", output, "--overwrite")
    deadline = time.monotonic() + 60
    while not writing_temporary_into([process.pid], output.parent.resolve()):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "it never started writing"
        time.sleep(0.002)
    change()
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.mark.parametrize("how", ["link repointed", "directory renamed"])
def test_an_output_directory_turned_into_the_inputs_never_replaces_the_input(ramp, tmp_path, how):
    """``-o out/big_jump.fits``: meanwhile ``out`` comes to name the input's directory."""
    work = tmp_path / "work"
    work.mkdir()
    source = work / ramp.name
    shutil.copy(ramp, source)
    shutil.copy(sidecar_path(ramp), sidecar_path(source))
    checked = tmp_path / "checked"
    checked.mkdir()
    out = tmp_path / "out"
    if how == "link repointed":
        out.symlink_to(checked)
    else:
        checked.rmdir()
        out.mkdir()
    output = out / source.name
    before = snapshot(work)

    def change():
        if how == "link repointed":
            out.unlink()
        else:
            out.rename(checked)
        out.symlink_to(work)

    code, stdout, stderr = while_writing(source, output, change)
    assert snapshot(work) == before  # the input is not replaced by its masked copy
    assert list(checked.iterdir()) == []
    assert (code, stdout) == (2, ""), stderr
    assert stderr.splitlines() == [f"showermask: error: {output}: {NOT_WRITTEN}"]


AFTER_THE_CHECK = r"""
import os, sys
from napari_showermask.io import publish
LINK, TARGET = sys.argv[1], sys.argv[2]
del sys.argv[1:3]
real = publish._refuse_moved

def checked_then_repointed(*args):
    real(*args)  # the last check passes; then, before publishing, the link is repointed
    os.unlink(LINK)
    os.symlink(TARGET, LINK)

publish._refuse_moved = checked_then_repointed
from napari_showermask.cli import main
sys.argv[0] = "showermask"
sys.exit(main())
"""


@pytest.mark.parametrize("overwrite", [False, True])
def test_an_output_directory_repointed_after_the_last_check_never_reaches_the_input(
    tmp_path, overwrite
):
    """The directory is repointed between the last check and publishing: the output is
    published into the directory it was checked in, never onto the input."""
    work = tmp_path / "work"
    work.mkdir()
    source = write_big_ramp(work / "small_jump.fits", (1, 6, 64, 72))
    write_catalog([Shower(0, 2, 8, 8, 3, 2, 0)], sidecar_path(source))
    checked = tmp_path / "checked"
    checked.mkdir()
    out = tmp_path / "out"
    out.symlink_to(checked)
    before = snapshot(work)
    output = out / source.name
    flags = ["--overwrite"] if overwrite else []
    done = subprocess.run(
        [sys.executable, "-c", AFTER_THE_CHECK, out, work, "apply", source, "-o", output, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert snapshot(work) == before, done.stderr  # the input is not replaced
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(p.name for p in checked.iterdir()) == [source.name]
    with fits.open(checked / source.name, checksum=True) as hdul:
        assert hdul["GROUPDQ"].data[0, -1, 8, 8] & JUMP_DET
