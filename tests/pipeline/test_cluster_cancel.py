"""Ctrl-C during a run on a real dask.distributed cluster: cancelled work never publishes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.cli import start
from support.processes import grid_showers, write_big_ramp, writing_temporary_into
from support.safety import snapshot

from napari_showermask.io.catalog import write_catalog
from napari_showermask.io.paths import sidecar_path

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="POSIX signals; /proc shows a worker's files"
)

SHAPE = (3, 25, 1024, 1032)  # 317 MB of SCI: the worker writes for a few seconds


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A ~400 MB ramp with a sidecar of many small showers."""
    path = write_big_ramp(tmp_path_factory.mktemp("cancel") / "big_jump.fits", SHAPE)
    write_catalog(grid_showers(SHAPE[0]), sidecar_path(path))
    return path


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


def worker_pids(cluster):
    from distributed import Client

    with Client(cluster) as client:
        return list(client.run(os.getpid).values())


def test_ctrl_c_on_a_cluster_never_publishes_the_running_task(big, cluster):
    directory = big.parent
    before = snapshot(directory)
    pids = worker_pids(cluster)
    process = start("apply", big, "--scheduler", cluster.scheduler_address)
    deadline = time.monotonic() + 120
    while not writing_temporary_into(pids, directory):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the worker never started writing"
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)  # the task is writing its output on the worker
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines() == [
        "showermask: interrupted (SIGINT); files not yet done were not written"
    ]
    assert out == ""
    deadline = time.monotonic() + 120
    while writing_temporary_into(pids, directory):  # the worker's task goes on, then ends
        assert time.monotonic() < deadline, "the worker's task never ended"
        time.sleep(0.05)
    time.sleep(3)  # longer than publishing and reporting take
    assert snapshot(directory) == before  # no output, no temporary file, input unchanged


def test_a_claimed_output_is_published_once_and_a_cancelled_one_never(tmp_path):
    from napari_showermask.core.errors import ShowerMaskError
    from napari_showermask.io.publish import atomic_output
    from napari_showermask.pipeline.claims import (
        cancel,
        claiming,
        claims_directory,
        remove_claims,
    )

    first, second, third = (tmp_path / f"{n}.bin" for n in "abc")
    claims = claims_directory([first, second, third])
    assert claims is not None and claims.parent == tmp_path
    for _attempt in range(2):  # a retry of a task that claimed its output may publish it
        with claiming(claims), atomic_output(first, overwrite=True) as handle:
            handle.write(b"one")
    assert cancel(claims, [first, second]) == [first]  # already being published
    with pytest.raises(ShowerMaskError, match=r"b.bin: not written \(the run was cancelled\)"):
        with claiming(claims), atomic_output(second) as handle:
            handle.write(b"two")
    remove_claims(claims)
    with pytest.raises(ShowerMaskError, match="cancelled"):  # the batch is over
        with claiming(claims), atomic_output(third) as handle:
            handle.write(b"three")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_a_killed_batchs_claims_are_removed_by_the_next_batch(tmp_path):
    from napari_showermask.pipeline.claims import claims_directory, remove_claims

    code = "from pathlib import Path; import sys; from napari_showermask.pipeline.claims import "
    code += "claims_directory as c; print(c([Path(sys.argv[1]) / 'x.fits']))"
    done = subprocess.run(  # a batch that ended without cleaning up, as SIGKILL leaves it
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    left = Path(done.stdout.strip())
    assert left.parent == tmp_path and left.is_dir()
    ours = claims_directory([tmp_path / "y.fits"])
    assert sorted(tmp_path.iterdir()) == [ours]  # the stale one is gone, ours is kept
    remove_claims(ours)
    assert list(tmp_path.iterdir()) == []
