"""Many files at once: batch apply and detect, locally and on a real dask.distributed cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.files import catalog_content, file_digest
from support.program import make_program

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import detect_showers
from napari_showermask.io.catalog import read_catalog, write_catalog
from napari_showermask.io.masked import default_output, write_masked
from napari_showermask.io.paths import candidates_path, sidecar_path
from napari_showermask.pipeline.batch import apply_files, detect_files

EXE = shutil.which("showermask") or str(Path(sys.executable).with_name("showermask"))


def single_apply(path: Path, directory: Path) -> Path:
    """The single-file run: write_masked with the sidecar, into another directory."""
    directory.mkdir(exist_ok=True)
    return write_masked(path, read_catalog(sidecar_path(path)), directory / path.name)


def single_detect(path: Path, directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    with open_product(path) as product:
        return write_catalog(detect_showers(product), directory / path.name)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def running(pid: int) -> bool:
    if sys.platform == "win32":
        return False  # os.kill(pid, 0) would end the process there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def program(tmp_path):
    return make_program(tmp_path / "program")


@pytest.mark.parametrize("jobs", [1, 2])
def test_apply_files_equals_single_runs_byte_for_byte(program, tmp_path, jobs):
    inputs, bad = program
    digests = {p: file_digest(p) for p in inputs}
    before = listing(bad.parent)
    results = apply_files(inputs, jobs=jobs)
    assert [r.input for r in results] == inputs  # input order
    for path, result in zip(inputs, results, strict=True):
        if path == bad:
            assert result.output is None and result.error.startswith(f"{bad}: truncated")
            continue
        assert result.ok and result.output == default_output(path), result.error
        reference = single_apply(path, tmp_path / "single")
        assert result.output.read_bytes() == reference.read_bytes()
        assert result.showers == len(read_catalog(sidecar_path(path)))
    written = sorted(default_output(p).name for p in inputs if p != bad)
    assert listing(bad.parent) == sorted(before + written)  # nothing partial, nothing else
    assert {p: file_digest(p) for p in inputs} == digests


def test_progress_counts_files_and_bytes(program):
    inputs, bad = program
    seen = []
    apply_files(inputs, jobs=2, progress=seen.append)
    assert [p.done for p in seen] == list(range(1, len(inputs) + 1))
    assert [p.failed for p in seen][-1] == 1 and {p.last.input for p in seen} == set(inputs)
    total = sum(p.stat().st_size for p in inputs)
    assert seen[-1].nbytes_done == seen[-1].nbytes_total == total
    assert all(p.bytes_per_second > 0 for p in seen)
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)


def test_detect_files_equals_single_runs(program, tmp_path):
    inputs, bad = program
    ramps = [p for p in inputs if p.name.endswith("_jump.fits")]
    results = detect_files(ramps, jobs=2)
    for path, result in zip(ramps, results, strict=True):
        if path == bad:
            assert result.error.startswith(f"{bad}: truncated")
            assert not candidates_path(bad).exists()
            continue
        assert result.output == candidates_path(path) and result.showers > 0
        reference = single_detect(path, tmp_path / "single")
        assert catalog_content(result.output)[0] == catalog_content(reference)[0]  # rows


def test_detect_accept_never_replaces_a_sidecar_without_overwrite(tmp_path):
    inputs, _ = make_program(tmp_path, ramps=2)
    first, second = inputs[0], inputs[1]
    kept = file_digest(sidecar_path(first))
    sidecar_path(second).unlink()
    results = detect_files([first, second], accept=True, jobs=1)
    assert "exists" in results[0].error and file_digest(sidecar_path(first)) == kept
    assert results[1].ok and results[1].output == sidecar_path(second)
    assert all(s.extra.get("source") == "detect" for s in read_catalog(sidecar_path(second)))
    again = detect_files([first], accept=True, overwrite=True)
    assert again[0].ok and file_digest(sidecar_path(first)) != kept


def test_one_file_options_and_missing_sidecars(program):
    inputs, _ = program
    with pytest.raises(ShowerMaskError, match="showers can be given with one input only"):
        apply_files(inputs[:2], showers=sidecar_path(inputs[0]))
    with pytest.raises(ShowerMaskError, match="output can be given with one input only"):
        detect_files(inputs[:2], output="x.ecsv")
    sidecar_path(inputs[1]).unlink()
    results = apply_files(inputs[:2], jobs=1)
    assert results[0].ok
    assert results[1].error == f"{inputs[1]}: no sidecar catalog {sidecar_path(inputs[1]).name}"


# ---- a real dask.distributed cluster, started and stopped here ----------------------------


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local
    assert local.status.name == "closed"


def test_apply_on_a_cluster_equals_single_runs(cluster, program, tmp_path, monkeypatch):
    from distributed import Client

    inputs, bad = program
    monkeypatch.chdir(bad.parent)  # relative names: the workers get absolute paths
    names = [Path(p.name) for p in inputs]
    with Client(cluster) as client:
        results = apply_files(names, client=client)
        workers = len(client.scheduler_info()["workers"])
    assert workers == 2
    for path, result in zip(inputs, results, strict=True):
        if path == bad:
            assert result.error.startswith(f"{bad}: truncated")
            continue
        assert result.output == default_output(path), result.error
        assert result.output.read_bytes() == single_apply(path, tmp_path / "s").read_bytes()


def test_cli_detect_with_scheduler(cluster, program, tmp_path):
    inputs, bad = program
    ramps = [p for p in inputs if p.name.endswith("_jump.fits")]
    done = subprocess.run(
        [EXE, "detect", *map(str, ramps), "--scheduler", cluster.scheduler_address],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 2
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"showermask: error: {bad}: truncated")
    good = [p for p in ramps if p != bad]
    assert sorted(done.stdout.split()) == sorted(str(candidates_path(p)) for p in good)
    assert not [p for p in bad.parent.iterdir() if p.name.startswith(".showermask-claims-")]
    for path in good:
        reference = single_detect(path, tmp_path / "s")
        assert catalog_content(candidates_path(path))[0] == catalog_content(reference)[0]


def test_an_unreachable_scheduler_is_one_error_line(program):
    inputs, _ = program
    done = subprocess.run(
        [EXE, "apply", *map(str, inputs[:2]), "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("showermask: error: cannot connect to the")
    assert not any(default_output(p).exists() for p in inputs)


def test_an_interrupted_batch_stops_its_workers_and_leaves_no_partial_file(program, tmp_path):
    import multiprocessing

    inputs, bad = program
    before = listing(bad.parent)
    others = set(multiprocessing.active_children())  # e.g. a cluster's workers

    def interrupt(progress):
        raise KeyboardInterrupt  # Ctrl-C in the main process after the first file

    with pytest.raises(KeyboardInterrupt):
        apply_files(inputs, jobs=2, progress=interrupt)
    for worker in set(multiprocessing.active_children()) - others:  # the pool's workers
        assert not running(worker.pid)  # (reaped by the executor's own thread, or ours)
    added = set(listing(bad.parent)) - set(before)
    assert added and added <= {default_output(p).name for p in inputs}  # no partial names
    for path in inputs:  # what was published is complete
        if default_output(path).exists():
            reference = single_apply(path, tmp_path / "single")
            assert default_output(path).read_bytes() == reference.read_bytes()


def test_a_killed_worker_fails_no_other_file(program, tmp_path):
    import multiprocessing
    import signal

    inputs, bad = program
    killed = []
    others = set(multiprocessing.active_children())  # e.g. a cluster's workers

    def kill_a_worker(progress):
        workers = [p for p in multiprocessing.active_children() if p not in others]
        if not killed and workers:  # as the out-of-memory killer would
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    results = apply_files(inputs, jobs=2, progress=kill_a_worker)
    assert killed
    for path, result in zip(inputs, results, strict=True):
        if path == bad:
            assert result.error.startswith(f"{bad}: truncated")
            continue
        assert result.ok, result.error
        assert result.output.read_bytes() == single_apply(path, tmp_path / "s").read_bytes()
