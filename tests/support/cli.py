"""Running the real ``showermask`` console script and checking its one-line errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

EXE = shutil.which("showermask") or str(Path(sys.executable).with_name("showermask"))


def run(*args, cwd=None):
    """Run ``showermask`` with arguments; return the completed process (text output)."""
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def assert_one_line_error(result, name, reason):
    """Assert exit 2 and exactly one ``showermask: error:`` line naming ``name`` and ``reason``."""
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("showermask: error: ")
    assert name in lines[0] and reason in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
