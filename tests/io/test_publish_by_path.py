"""Publishing where the system has no directory descriptors nor unnamed files (Windows):
names are given by path, with the same outcomes as where they are given in the open
directory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from support.files import LINUX_ONLY_CALLS

WITHOUT_DIRECTORY_DESCRIPTORS = (
    "import os\n"
    + "".join(f"if hasattr(os, {name!r}): delattr(os, {name!r})\n" for name in LINUX_ONLY_CALLS)
    + "os.supports_dir_fd.clear()\n"
)

PUBLISHING = """
import os
from pathlib import Path
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.naming import open_directory
from napari_showermask.io.publish import atomic_output

print("descriptor", open_directory(Path(".")))
with atomic_output("new.fits") as handle:
    handle.write(b"one")
with atomic_output("new.fits", overwrite=True) as handle:
    handle.write(b"two")
try:
    with atomic_output("new.fits") as handle:
        handle.write(b"three")
except ShowerMaskError as exc:
    print(exc)
try:
    with atomic_output("failed.fits") as handle:
        handle.write(b"half")
        raise RuntimeError("stopped")
except RuntimeError:
    pass
print(sorted(os.listdir(".")), Path("new.fits").read_bytes())
"""


def test_names_are_given_by_path_without_directory_descriptors(tmp_path):
    code = WITHOUT_DIRECTORY_DESCRIPTORS + textwrap.dedent(PUBLISHING)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "descriptor None",
        "new.fits: exists (use --overwrite to replace it)",
        "['new.fits'] b'two'",
    ]
