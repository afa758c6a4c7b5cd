"""Run a Python process as on a system without Linux's file calls (macOS, Windows).

With ``SHOWERMASK_PORTABLE_ONLY=1`` the tests put this directory first on ``PYTHONPATH``:
every Python they start (the ``showermask`` command, cluster workers) imports this module
at start-up, as the test run itself calls :func:`take_linux_calls_away`.
"""

from __future__ import annotations

import os
import sys

LINUX_ONLY_CALLS = ("copy_file_range", "sendfile", "pread", "pwrite", "O_TMPFILE")
# standard modules that chose at import whether to use them: kernel copies, unnamed files
CHOSEN_AT_IMPORT = (
    ("shutil", "_USE_CP_SENDFILE"),
    ("shutil", "_USE_CP_COPY_FILE_RANGE"),
    ("tempfile", "_O_TMPFILE_WORKS"),
)


def take_linux_calls_away() -> None:
    """Remove the Linux-only calls from ``os``; modules imported already choose again."""
    for name in LINUX_ONLY_CALLS:
        if hasattr(os, name):
            delattr(os, name)
    for module, flag in CHOSEN_AT_IMPORT:
        if hasattr(sys.modules.get(module), flag):
            setattr(sys.modules[module], flag, False)


if os.environ.get("SHOWERMASK_PORTABLE_ONLY"):
    take_linux_calls_away()
