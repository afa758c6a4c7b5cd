"""The repository's paths, and running Python code in a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "napari_showermask"
TESTS = ROOT / "tests"


def python(
    code: str, env: dict[str, str] | None = None, exe: str = sys.executable, *args: str
) -> str:
    """Run Python code in a new process and return its stdout (fails on a non-zero exit)."""
    done = subprocess.run([exe, "-c", code, *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout
