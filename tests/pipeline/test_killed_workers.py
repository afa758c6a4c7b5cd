"""A local batch's worker killed (SIGKILL) at any moment: every file is still done, once,
complete, with the right result; no traceback, no stray file, inputs unchanged."""

from __future__ import annotations

import pytest
from support.killing import forked_workers, kill_at
from support.program import make_program
from support.safety import snapshot

from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import candidates_path, sidecar_path

pytestmark = forked_workers


@pytest.fixture(scope="module")
def ramps(tmp_path_factory):
    """Five ramps, each with its sidecar."""
    inputs, bad = make_program(tmp_path_factory.mktemp("killed"), ramps=5)
    return [p for p in inputs if p.name.endswith("_jump.fits") and p != bad]


def counts(ramps, command):
    catalog = sidecar_path if command == "apply" else candidates_path
    return {p.name: len(read_catalog(catalog(p))) for p in ramps}


@pytest.mark.parametrize("command", ["apply", "detect"])
def test_a_worker_killed_once_it_published_reports_its_files_showers(ramps, tmp_path, command):
    """Its output is this batch's: it is the file's result, with its number of showers."""
    output = default_output if command == "apply" else candidates_path
    directory = ramps[0].parent
    for path in ramps:
        output(path).unlink(missing_ok=True)
    before = snapshot(directory)
    done, arrivals = kill_at("published", 0, "self", tmp_path, "--batch", command, 2, *ramps)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert arrivals >= 1
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert all(error == "None" for _, _, error in lines), lines
    assert {name: int(n) for name, n, _ in lines} == counts(ramps, command)
    after = snapshot(directory)
    assert {k: after[k] for k in before} == before
    assert sorted(set(after) - set(before)) == sorted(output(p).name for p in ramps)
