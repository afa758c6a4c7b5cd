"""Ctrl-C at any moment of a ``showermask`` run is one line and exit 130, never a traceback."""

import os
import subprocess
import sys

import pytest
from support.cli import ctrl_c_after
from support.safety import snapshot

from napari_showermask.synthetic.demo import write_ramp

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, process groups")

INTERRUPTED = "showermask: interrupted (SIGINT); files not yet done were not written"
LINES = (INTERRUPTED, "showermask: interrupted (SIGINT); nothing written")  # parsing: none yet

# a real SIGINT while numpy loads its C core: numpy turns the KeyboardInterrupt into an
# ImportError ("PyCapsule_Import could not import module datetime")
IN_NUMPY_IMPORT = """
import os, signal, sys
class Finder:
    fired = False
    def find_spec(self, name, path=None, target=None):
        if name == "datetime" and "numpy" in sys.modules and not Finder.fired:
            Finder.fired = True
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Finder())
from napari_showermask.cli import main
sys.exit(main())
"""


@pytest.fixture(scope="module")
def ramps(tmp_path_factory):
    """Two ramps large enough that a whole run lasts about twice the last delay below: a
    Ctrl-C that came after the run ended would kill the interpreter's shutdown, not test it."""
    directory = tmp_path_factory.mktemp("early")
    shape = (2, 20, 256, 256)
    return [write_ramp(directory / f"e{n}_jump.fits", shape, seed=n)[0] for n in range(2)]


def test_ctrl_c_while_numpy_loads_is_one_line(ramps):
    before = snapshot(ramps[0].parent)
    done = subprocess.run(
        [sys.executable, "-c", IN_NUMPY_IMPORT, "detect", *map(str, ramps), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 130, done.stderr[-3000:]
    assert done.stderr.splitlines() == [INTERRUPTED] and done.stdout == ""
    assert snapshot(ramps[0].parent) == before


def test_ctrl_c_while_starting_is_one_line(ramps):
    """Ctrl-C at 12 moments of parsing, importing and starting (after the interpreter's own
    start, which no program can cover)."""
    before = snapshot(ramps[0].parent)
    for delay in [0.15 + 0.06 * k for k in range(12)]:
        code, out, err = ctrl_c_after(delay, "detect", *ramps, "--jobs", 2)
        assert code == 130 and err.splitlines()[0] in LINES, (delay, out, err)
        assert len(err.splitlines()) == 1, (delay, err)
        assert out == "" and snapshot(ramps[0].parent) == before


# a SIGINT while the run imports its pipeline, swallowed by a catch-all, as numpy.random's
# Cython initialisation swallows one that comes while it registers its classes with abc
SWALLOWED_IN_IMPORT = """
import os, signal, sys
class Finder:
    fired = False
    def find_spec(self, name, path=None, target=None):
        if name == "napari_showermask.pipeline.task" and not Finder.fired:
            Finder.fired = True
            try:
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(10000):  # the signal's handler runs in here
                    pass
            except BaseException:
                pass
        return None
sys.meta_path.insert(0, Finder())
from napari_showermask.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("jobs", [None, "1", "2"])
def test_ctrl_c_swallowed_by_a_library_still_stops_the_run(ramps, jobs):
    """One file, or a batch in this process or in workers: nothing is written."""
    before = snapshot(ramps[0].parent)
    args = (
        ["detect", str(ramps[0])] if jobs is None else ["detect", *map(str, ramps), "--jobs", jobs]
    )
    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED_IN_IMPORT, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 130, (done.stdout, done.stderr[-3000:])
    assert done.stderr.splitlines()[0] in LINES and len(done.stderr.splitlines()) == 1
    assert done.stdout == "" and snapshot(ramps[0].parent) == before
