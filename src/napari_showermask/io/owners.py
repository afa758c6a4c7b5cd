"""Who wrote a file: this host's name, whether a writer still runs, and what killed writers left.

Temporary part files and claims directories carry the host and process id of their writer,
so that the next run on the same host can tell a live writer from a killed one and remove
only what the killed one left.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PART_SUFFIX = ".showermask-part"


def host_name() -> str:
    """Return this host's name as it appears in the names of part files and claims.

    Returns
    -------
    str
        At most 64 letters, digits and underscores; ``"host"`` when the name is empty.
    """
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:64] or "host"


def remove_stale_parts(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files that killed writers of this host left in ``directory``.

    A part file is stale when the process named in it no longer runs on this host (on
    Windows, when it can be deleted: a running writer holds it open).

    Parameters
    ----------
    directory : str or path-like

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    removed: list[Path] = []
    host = host_name()
    try:
        entries = list(os.scandir(os.fspath(directory)))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX)):
            continue
        owner = entry.name[: -len(PART_SUFFIX)].rsplit(".", 2)
        if len(owner) != 3 or "-" not in owner[1]:
            continue
        who, _, pid = owner[1].rpartition("-")
        # on Windows, deleting a file that a running writer holds open fails anyway
        if who != host or not pid.isdigit() or process_running(int(pid), unknown=False):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def process_running(pid: int, unknown: bool) -> bool:
    """Tell whether process ``pid`` of this host runs; ``unknown`` where that cannot be told.

    Parameters
    ----------
    pid : int
    unknown : bool
        The answer on Windows, where a process cannot be probed without a handle.

    Returns
    -------
    bool
        True for this process, and for a process owned by someone else.
    """
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return unknown
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
