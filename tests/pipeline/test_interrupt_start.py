"""Ctrl-C while a local batch starts its workers is never lost, and prints no traceback."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest
from support.cli import ctrl_c_after, start
from support.processes import children
from support.python import python
from support.safety import snapshot

from napari_showermask.io.paths import candidates_path
from napari_showermask.synthetic.demo import write_ramp

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, process groups")

INTERRUPTED = "showermask: interrupted (SIGINT); files not yet done were not written"

# Ctrl-C exactly as the first worker is forked: a real SIGINT sent from a fork hook
AT_FORK = """
import os, signal, sys
fired = []
def at_fork():
    if not fired:
        fired.append(1)
        os.kill(os.getpid(), signal.SIGINT)
os.register_at_fork(before=at_fork)
from napari_showermask.cli import main
sys.exit(main())
"""


@pytest.fixture(scope="module")
def ramps(tmp_path_factory):
    directory = tmp_path_factory.mktemp("start")
    return [
        write_ramp(directory / f"e{n}_jump.fits", (2, 20, 64, 64), seed=n)[0] for n in range(6)
    ]


def check_outcome(ramps, code, out, err, before, signalled=True):
    """Exit 130 and one line, or (signal after the end) every file done; never in between."""
    directory = ramps[0].parent
    outputs = [candidates_path(p) for p in ramps]
    written = sorted(str(p) for p in outputs if p.exists())
    assert sorted(out.split()) == written  # every file reported is there, and only those
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if code == 0 or code == -signal.SIGINT:  # done before the signal (or as Python exited)
        assert len(written) == len(ramps) and err == "", (code, err)
    else:
        assert code == 130 and err.strip().splitlines() == [INTERRUPTED], (code, err)
    after = snapshot(directory)
    assert {k: v for k, v in after.items() if k in before} == before  # inputs unchanged
    assert sorted(set(after) - set(before)) == sorted(p.name for p in outputs if p.exists())


def clean(ramps):
    for path in ramps:
        candidates_path(path).unlink(missing_ok=True)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="workers are forked (Linux)"
)
def test_ctrl_c_as_a_worker_is_forked_stops_the_batch(ramps):
    clean(ramps)
    before = snapshot(ramps[0].parent)
    done = subprocess.run(
        [sys.executable, "-c", AT_FORK, "detect", *map(str, ramps), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 130, done.stderr
    check_outcome(ramps, done.returncode, done.stdout, done.stderr, before)


@pytest.mark.slow
def test_ctrl_c_at_any_moment_of_a_local_batch(ramps):
    """Ctrl-C from a terminal (the whole process group) at 12 moments of a real run."""
    clean(ramps)
    before = snapshot(ramps[0].parent)
    for delay in [0.15 + 0.3 * k for k in range(12)]:  # imports, workers starting, files
        code, out, err = ctrl_c_after(delay, "detect", *ramps, "--jobs", 2)
        check_outcome(ramps, code, out, err, before)
        clean(ramps)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc lists the workers")
def test_a_killed_worker_leaves_one_clean_run_and_no_traceback(ramps):
    """SIGKILL one of two workers mid-run: its files are retried, its sibling prints nothing."""
    clean(ramps)
    before = snapshot(ramps[0].parent)
    process = start("detect", *ramps, "--jobs", 2)
    deadline = time.monotonic() + 120
    while len(workers := children(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    time.sleep(0.3)  # both are detecting
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0 and err == "", err
    check_outcome(ramps, process.returncode, out, err, before)
    assert len(out.split()) == len(ramps)
    clean(ramps)


# a worker interrupted in a file: the batch's SIGTERM comes while it cleans up
CLEANING_UP = """
import os, signal, time
from napari_showermask.io.interrupts import Interrupted
from napari_showermask.pipeline import pool
pool._worker_started()
try:
    with pool.worker_task():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            print("cleaned up")
except Interrupted as exc:
    print("interrupted", exc.signum)
"""


def test_a_second_signal_does_not_cut_short_a_workers_cleanup():
    """Its cleanup runs to the end (in a generator's finalizer, the second exception was
    printed as "Exception ignored" with a traceback)."""
    assert python(CLEANING_UP).splitlines() == ["cleaned up", "interrupted 2"]
