"""The command line in users' words: help, nearest-command hints, and demo's --overwrite."""

import pytest
from support.cli import assert_one_line_error, run
from support.files import file_digest


def test_demo_replaces_nothing_without_overwrite(tmp_path):
    first = run("demo", tmp_path)
    assert first.returncode == 0, first.stderr
    ramp = tmp_path / "miri_showers_demo_jump.fits"
    truth = tmp_path / "miri_showers_demo_truth.ecsv"
    assert first.stdout.strip() == str(ramp)
    truth.write_text(truth.read_text().replace("bright", "bright, checked by hand"))
    edited, ramp_digest = file_digest(truth), file_digest(ramp)
    again = run("demo", tmp_path)
    assert_one_line_error(again, "miri_showers_demo_jump.fits", "exists (use --overwrite")
    assert (file_digest(truth), file_digest(ramp)) == (edited, ramp_digest)
    ramp.unlink()  # the truth catalog alone is kept too
    alone = run("demo", tmp_path)
    assert_one_line_error(alone, "miri_showers_demo_truth.ecsv", "exists (use --overwrite")
    assert not ramp.exists() and file_digest(truth) == edited
    replaced = run("demo", tmp_path, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert ramp.is_file() and file_digest(truth) != edited
    assert sorted(p.name for p in tmp_path.iterdir()) == [ramp.name, truth.name]


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["aply", "x_jump.fits"], "no command 'aply'; did you mean 'apply'?"),
        (["detcet", "x_jump.fits"], "no command 'detcet'; did you mean 'detect'?"),
        (["dmeo"], "no command 'dmeo'; did you mean 'demo'?"),
        (["--verison"], "the following arguments are required: COMMAND"),
        (["frobnicate"], "no command 'frobnicate'; choose from apply, demo, detect"),
        (["apply", "x_jump.fits", "--overwite"], "--overwite; did you mean --overwrite?"),
        (["detect", "x_jump.fits", "--acept"], "--acept; did you mean --accept?"),
    ],
)
def test_typos_name_the_nearest_command_or_option(tmp_path, argv, hint):
    done = run(*argv, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("showermask: error: "), done.stderr
    assert hint in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [[], ["apply"], ["detect"], ["demo"]])
def test_help_speaks_of_showers_and_files_not_of_the_contract(command):
    done = run(*command, "--help")
    assert done.returncode == 0 and done.stderr == ""
    text = done.stdout.lower()
    assert "contract" not in text and "usage: showermask" in text
    if command in (["apply"], ["detect"]):
        assert "<stem>_showers.ecsv" in text and "exit status is 2" in text
    if command == ["demo"]:
        assert "--overwrite" in text and "miri_showers_demo_truth.ecsv" in text
    if not command:
        assert "examples:" in text and "theta in degrees" in text
