"""Signals during a real ``showermask apply`` on a large file leave nothing behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import EXE
from support.files import LINUX_ONLY_CALLS
from support.processes import grid_showers, write_big_ramp, writing_temporary_into

from napari_showermask.io.catalog import Shower, write_catalog

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

# unnamed temporary files are Linux's O_TMPFILE (not there in the portable run either)
UNNAMED = pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="no unnamed temporary files")

SHAPE = (2, 25, 1024, 1032)  # 211 MB of SCI and 53 MB of GROUPDQ


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A >= 200 MB ramp and a catalog of many small showers (a few seconds of masking)."""
    directory = tmp_path_factory.mktemp("big")
    path = write_big_ramp(directory / "big_jump.fits", SHAPE)
    assert path.stat().st_size >= 200 * 2**20
    catalog = write_catalog(grid_showers(2), directory / "many.ecsv")
    return path, catalog


def start(ramp, catalog, out, named):
    """Start ``showermask apply`` (with the unnamed temporary file, or a named one)."""
    if named:
        removal = "".join(f"os.__dict__.pop({n!r}, None); " for n in LINUX_ONLY_CALLS[-1:])
        code = f"import os, sys; {removal}from napari_showermask.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", code]
    else:
        command = [EXE]
    args = ["apply", str(ramp), "--showers", str(catalog), "-o", str(out)]
    return subprocess.Popen(command + args, stderr=subprocess.PIPE, text=True)


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def writing(process, directory: Path, named: bool) -> bool:
    """True once the process has its temporary output file open."""
    if named:  # the output's part file, not the empty probe of its directory (it vanishes)
        parts = [p for p in directory.iterdir() if p.name.endswith(".showermask-part")]
        return any(size(p) > 0 for p in parts)
    return writing_temporary_into([process.pid], directory)


def wait_until_writing(process, directory, named, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if writing(process, directory, named):
            time.sleep(0.05)  # well into the copy
            return
        if process.poll() is not None:
            pytest.fail(f"finished before it was signalled: {process.stderr.read()}")
        time.sleep(0.002)
    pytest.fail("never started writing")


@pytest.mark.parametrize(
    "named", [pytest.param(False, id="unnamed", marks=UNNAMED), pytest.param(True, id="named")]
)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_leaves_nothing(big, tmp_path, signum, named):
    ramp, catalog = big
    process = start(ramp, catalog, tmp_path / "out.fits", named)
    wait_until_writing(process, tmp_path, named)
    process.send_signal(signum)
    code = process.wait(timeout=60)
    err = process.stderr.read()
    assert code == 128 + signum, err
    assert err.strip().splitlines() == [
        f"showermask: interrupted ({signal.Signals(signum).name}); nothing written"
    ]
    assert list(tmp_path.iterdir()) == []


def kill_while_writing(big, directory, named):
    """SIGKILL a real apply while its temporary file is open; return the ramp."""
    ramp, catalog = big
    process = start(ramp, catalog, directory / "out.fits", named)
    wait_until_writing(process, directory, named)
    process.kill()
    process.wait(timeout=60)
    return ramp


def test_after_sigkill_the_next_run_removes_the_leftover(big, tmp_path):
    ramp = kill_while_writing(big, tmp_path, named=True)
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".showermask-part")]
    assert len(left) == 1 and left[0].stat().st_size > 0
    small = write_catalog([Shower(0, 3, 100, 100, 5, 5)], tmp_path.parent / "one.ecsv")
    done = subprocess.run(
        [EXE, "apply", str(ramp), "--showers", str(small), "-o", str(tmp_path / "next.fits")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["next.fits"]


@UNNAMED
def test_sigkill_with_an_unnamed_temporary_file_leaves_nothing(big, tmp_path):
    kill_while_writing(big, tmp_path, named=False)
    assert list(tmp_path.iterdir()) == []
