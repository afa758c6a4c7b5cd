"""Real processes for signal tests: ramps that take seconds to write, and what ``/proc``
shows of a running process (its worker processes, the files it has open)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
from stdatamodels.jwst import datamodels

from napari_showermask.io.catalog import Shower
from napari_showermask.io.owners import PART_SUFFIX


def write_big_ramp(path: Path, shape: tuple[int, int, int, int]) -> Path:
    """Write a ramp of ``shape`` (SCI rising by one a group, GROUPDQ clear) at ``path``."""
    sci = np.broadcast_to(np.arange(shape[1], dtype=np.float32)[:, None, None], shape[1:])
    model = datamodels.RampModel(
        data=np.broadcast_to(sci, shape).copy(), groupdq=np.zeros(shape, np.uint8)
    )
    model.meta.exposure.ngroups, model.meta.exposure.nints = shape[1], shape[0]
    model.save(path)
    model.close()
    return path


def grid_showers(nints: int) -> list[Shower]:
    """Many small showers on a 16-pixel grid of a 1024 x 1032 frame, in each integration
    (a few seconds of masking)."""
    return [
        Shower(i, 1 + (x + y) % 20, x, y, 3, 2, 0)
        for i in range(nints)
        for y in range(8, 1016, 16)
        for x in range(8, 1024, 16)
    ]


def writing_temporary_into(pids: list[int], directory: Path) -> bool:
    """True while one of the processes has a temporary file of ``directory`` open with bytes
    in it (not the empty probe of the directory): unnamed where the system has Linux's
    ``O_TMPFILE`` (``/proc`` shows it as ``<directory>/#<inode>``), else a hidden
    ``<directory>/.<name>...showermask-part``."""
    for pid in pids:
        try:
            fds = [(fd, os.readlink(fd)) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        for fd, target in fds:
            parent, _, name = target.rpartition("/")
            hidden = name.startswith(".") and name.endswith(PART_SUFFIX)
            if parent == str(directory) and (name.startswith("#") or hidden):
                with contextlib.suppress(OSError):
                    if fd.stat().st_size > 0:
                        return True
    return False


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux), oldest first; none once it has ended."""
    try:
        return [int(n) for n in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []
