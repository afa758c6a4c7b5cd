"""A local batch's worker killed (SIGKILL) at any moment: every file is still done, once,
complete, with the right result; no traceback, no stray file, inputs unchanged."""

from __future__ import annotations

import random

import pytest
from support.cli import run
from support.files import catalog_content
from support.killing import MOMENTS, forked_workers, kill_at
from support.program import make_program
from support.safety import snapshot

from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import candidates_path, sidecar_path

pytestmark = forked_workers

OUTPUT = {"apply": default_output, "detect": candidates_path}


@pytest.fixture(scope="module")
def ramps(tmp_path_factory):
    """Five ramps, each with its sidecar."""
    inputs, bad = make_program(tmp_path_factory.mktemp("killed"), ramps=5)
    return [p for p in inputs if p.name.endswith("_jump.fits") and p != bad]


@pytest.fixture
def inputs(ramps):
    """The ramps, their directory as it was before the test, and none of the outputs after."""
    before = snapshot(ramps[0].parent)
    yield ramps, before
    for path in ramps:
        for output in OUTPUT.values():
            output(path).unlink(missing_ok=True)


def check_outputs_only(ramps, before, command):
    """Inputs unchanged; the outputs of every file and nothing else were added."""
    after = snapshot(ramps[0].parent)
    assert {k: after[k] for k in before} == before
    assert sorted(set(after) - set(before)) == sorted(OUTPUT[command](p).name for p in ramps)


def check_every_file_done_once(done, ramps, before, command, references):
    """Exit 0, nothing on stderr, each output listed once and the same as the reference."""
    assert done.returncode == 0 and done.stderr == "", done.stderr
    outputs = [OUTPUT[command](p) for p in ramps]
    assert sorted(done.stdout.split()) == sorted(map(str, outputs))
    check_outputs_only(ramps, before, command)
    for path in outputs:
        assert outcome(path) == references[path.name], path


@pytest.mark.parametrize("command", ["apply", "detect"])
def test_a_worker_killed_once_it_published_reports_its_files_showers(inputs, tmp_path, command):
    """Its output is this batch's: it is the file's result, with its number of showers."""
    ramps, before = inputs
    done, arrivals = kill_at("published", 0, "self", tmp_path, "--batch", command, 2, *ramps)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert arrivals >= 1
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert all(error == "None" for _, _, error in lines), lines
    catalog = sidecar_path if command == "apply" else candidates_path
    expected = {p.name: len(read_catalog(catalog(p))) for p in ramps}
    assert {name: int(n) for name, n, _ in lines} == expected
    check_outputs_only(ramps, before, command)


def seeded_cases(moments, seed=4):
    """One (command, jobs, moment, nth arrival, victim) case for each moment, the rest
    drawn once."""
    rng = random.Random(seed)
    return [
        (command, rng.choice([2, 3]), moment, rng.randrange(3), rng.choice(["self", "sibling"]))
        for moment in moments
        # detect writes its catalog at once: only apply copies
        for command in [rng.choice(list(OUTPUT)) if moment != "copying" else "apply"]
    ]


def outcome(path):
    """A masked file's bytes; a catalog's rows and metadata (without its date)."""
    return path.read_bytes() if path.suffix == ".fits" else catalog_content(path)


@pytest.fixture(scope="module")
def references(ramps):
    """Each command's outputs from a run no worker died in, by name."""
    found = {}
    for command, output in OUTPUT.items():
        done = run(command, *ramps, "--jobs", 2)
        assert done.returncode == 0, done.stderr
        for path in ramps:
            found[output(path).name] = outcome(output(path))
            output(path).unlink()
    return found


# a worker that dies as it starts, while the batch is still handing out its files, broke
# the pool under the batch's hands: a traceback (BrokenProcessPool) and exit 1, no file done
AS_IT_STARTS = [("apply", 2, "started", 0, "self"), ("detect", 3, "started", 1, "sibling")]
# a worker that dies as it checks that it may write beside its output left the probe file
AS_IT_PROBES = [("apply", 2, "opening", 0, "self"), ("detect", 2, "opening", 0, "self")]


CASES = AS_IT_STARTS + AS_IT_PROBES + seeded_cases(MOMENTS[2:])  # each moment at least once


@pytest.mark.parametrize(("command", "jobs", "moment", "nth", "victim"), CASES)
def test_a_worker_killed_at_any_moment_leaves_every_file_done_once(
    references, inputs, tmp_path, command, jobs, moment, nth, victim
):
    ramps, before = inputs
    done, arrivals = kill_at(moment, nth, victim, tmp_path, command, *ramps, "--jobs", jobs)
    assert arrivals > nth  # the kill happened
    check_every_file_done_once(done, ramps, before, command, references)


@pytest.mark.parametrize(
    ("command", "moment"), [("apply", "copying"), ("detect", "opening"), ("detect", "noting")]
)
def test_a_signal_inside_an_interpreter_callback_still_interrupts_the_worker(
    references, inputs, tmp_path, command, moment
):
    """A worker's SIGTERM (the pool's, after a sibling died) that comes while the
    interpreter runs a callback whose exceptions it ignores (importlib's module-lock weakref
    callback, a ``__del__``) is not printed as "Exception ignored" and still stops the file:
    the worker exits, its file is done again, once."""
    ramps, before = inputs
    done, arrivals = kill_at(moment, 0, "callback", tmp_path, command, *ramps, "--jobs", "2")
    assert arrivals > 0  # the signal came
    assert not (tmp_path / "went-on").exists()  # and interrupted the file
    check_every_file_done_once(done, ramps, before, command, references)
