"""A batch never writes onto one of its own inputs, even with --overwrite."""

import pytest
from support.cli import run
from support.files import file_digest

from napari_showermask.io.catalog import Shower, write_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_output_that_is_another_input_of_the_batch_is_refused(ramp_file, jobs):
    write_catalog([Shower(0, 2, 8, 7, 3, 2, 0)], sidecar_path(ramp_file))
    masked = default_output(ramp_file)  # small_jump_showers_masked.fits, masked once...
    assert run("apply", ramp_file).returncode == 0
    write_catalog([Shower(1, 3, 4, 4, 2, 2, 0)], sidecar_path(masked))  # ...and again
    write_catalog([Shower(0, 5, 10, 9, 4, 3, 0)], sidecar_path(ramp_file), overwrite=True)
    kept = file_digest(masked)
    result = run("apply", ramp_file, masked, "--overwrite", "--jobs", jobs)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"showermask: error: {ramp_file}: ")
    assert "is an input of this command" in lines[0] and "Traceback" not in result.stderr
    assert file_digest(masked) == kept  # the other input is untouched
    assert result.stdout.split() == [str(default_output(masked))]
