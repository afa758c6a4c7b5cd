"""The writer without Linux's file calls (as on macOS and Windows): same tests, same bytes."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from support.files import LINUX_ONLY_CALLS, PORTABLE_ONLY
from support.python import python

from napari_showermask.io.catalog import Shower
from napari_showermask.io.masked import write_masked

ROOT = Path(__file__).resolve().parents[2]
SHOWERS = [Shower(0, 2, 8, 7, 5, 3, 30), Shower(1, 5, 14.5, 9, 4, 4, 0)]


def portable_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run Python code with the Linux-only calls removed from ``os``."""
    prelude = "import os\n" + "".join(
        f"if hasattr(os, {name!r}): delattr(os, {name!r})\n" for name in LINUX_ONLY_CALLS
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_the_linux_only_calls_are_gone_in_the_portable_run():
    if PORTABLE_ONLY:
        assert not any(hasattr(os, name) for name in LINUX_ONLY_CALLS)
        # so are they in the Python processes it starts (the command line, cluster workers)
        code = f"import os, shutil\nprint(any(hasattr(os, n) for n in {LINUX_ONLY_CALLS!r}))"
        assert python(code + "\nprint(shutil._USE_CP_SENDFILE)") == "False\nFalse\n"


def test_files_are_copied_as_on_a_system_without_them(ramp_file, tmp_path):
    # shutil chose its kernel copy when imported, before the portable run took the calls
    # away: it must copy without them (the tests copy their inputs with it)
    copy = shutil.copy(ramp_file, tmp_path / "copy.fits")
    assert Path(copy).read_bytes() == ramp_file.read_bytes()


def test_unnamed_temporary_files_as_on_a_system_without_them(tmp_path):
    # tempfile too decided on O_TMPFILE when imported (dask's workers open their scratch
    # space with it)
    with tempfile.TemporaryFile(dir=tmp_path) as handle:
        handle.write(b"scratch")
        handle.seek(0)
        assert handle.read() == b"scratch"
    assert list(tmp_path.iterdir()) == []


def test_writer_tests_pass_without_linux_only_calls():
    if PORTABLE_ONLY:
        return  # already inside that run
    env = dict(os.environ, SHOWERMASK_PORTABLE_ONLY="1")
    tests = ["tests/io/test_writer.py", "tests/io/test_writer_portable.py"]
    tests += ["tests/io/test_data_safety.py::test_racing_writers_exactly_one_wins"]
    tests += ["tests/io/test_data_safety.py::test_checksums_are_updated_and_verify"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xvfb", *tests],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout


def test_portable_output_is_byte_identical(ramp_file, tmp_path):
    fast = write_masked(ramp_file, SHOWERS, tmp_path / "fast.fits")
    code = f"""
        from napari_showermask.io.catalog import Shower
        from napari_showermask.io.masked import write_masked
        assert not hasattr(os, "copy_file_range") and not hasattr(os, "pread")
        showers = [Shower(0, 2, 8, 7, 5, 3, 30), Shower(1, 5, 14.5, 9, 4, 4, 0)]
        write_masked({str(ramp_file)!r}, showers, {str(tmp_path / "portable.fits")!r})
    """
    result = portable_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "portable.fits").read_bytes() == fast.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [ramp_file.name, "fast.fits", "portable.fits"]
    )
