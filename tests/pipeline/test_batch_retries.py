"""A batch file retried after a lost worker never replaces what exists at that attempt."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from support.program import make_program
from support.safety import snapshot

from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path
from napari_showermask.pipeline.batch import apply_files, detect_files

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kills a worker with SIGKILL")

SOMEONE_ELSES = b"a file this batch did not write\n"


def hand_made_while_a_worker_dies(outputs):
    """A progress callback: after the first file, another process's files appear at the
    outputs not written yet, and a worker is killed (as the out-of-memory killer would)."""
    others = set(multiprocessing.active_children())
    made = []

    def callback(progress):
        if made:
            return
        for output in outputs:
            try:
                with open(output, "xb") as handle:
                    handle.write(SOMEONE_ELSES)
            except FileExistsError:
                continue  # published by this batch already
            made.append(output)
        workers = [p for p in multiprocessing.active_children() if p not in others]
        os.kill(workers[0].pid, signal.SIGKILL)

    return callback, made


def check_kept(results, made, output_of, bad=None):
    """Another process's files are unchanged, and each of their inputs failed naming it."""
    assert made, "no output was left to the retry"
    for output in made:
        assert output.read_bytes() == SOMEONE_ELSES
    for result in results:
        output = output_of(result.input)
        if result.input == bad:
            assert "truncated" in result.error
        elif output in made:
            exists = f"{output}: exists (use --overwrite to replace it)"
            assert result.error == f"{result.input}: {exists}"
        else:
            assert result.ok, result.error


def test_a_retried_apply_never_replaces_another_runs_output(tmp_path):
    inputs, bad = make_program(tmp_path / "p", ramps=4)
    outputs = [default_output(p) for p in inputs]
    callback, made = hand_made_while_a_worker_dies(outputs)
    results = apply_files(inputs, jobs=2, progress=callback)
    check_kept(results, made, default_output, bad)
    stray = [n for n in snapshot(tmp_path) if "part" in n or n.startswith(".")]
    assert stray == []


def test_a_retried_detect_accept_never_replaces_a_hand_made_sidecar(tmp_path):
    inputs, bad = make_program(tmp_path / "p", ramps=4)
    ramps = [p for p in inputs if p.name.endswith("_jump.fits") and p != bad]
    for path in ramps:
        sidecar_path(path).unlink()
    callback, made = hand_made_while_a_worker_dies([sidecar_path(p) for p in ramps])
    results = detect_files(ramps, accept=True, jobs=2, progress=callback)
    check_kept(results, made, sidecar_path)
