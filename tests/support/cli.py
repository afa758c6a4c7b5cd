"""Running the real ``showermask`` console script and checking its one-line errors."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
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


def start(*args, new_session=False):
    """Start ``showermask`` with arguments, its output and errors piped (text); with
    ``new_session``, in a process group of its own, as a terminal runs a command."""
    return subprocess.Popen(
        [EXE, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def ctrl_c_after(delay, *args):
    """Run ``showermask`` with arguments and press Ctrl-C after ``delay`` seconds (SIGINT to
    its whole process group, unless it has ended); return its code, output and errors."""
    process = start(*args, new_session=True)
    time.sleep(delay)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err
