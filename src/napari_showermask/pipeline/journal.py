"""What a batch's workers published: how a retry tells its own lost output from anyone else's.

A worker that publishes a file and dies before its result comes back leaves the file but
no result. So, inside `noting`, every file a worker is about to publish is noted in the
batch's journal (a private directory) by the identity of the finished file (device,
inode, size, modification time: publishing by link or rename keeps them) with its number
of showers, before it gets its name: no moment exists at which the file is published and
its result not noted. Before retrying
a lost file the batch asks the journal (`published_by`): a file this batch published is
its result; anything else at that path is left alone (the retry fails with "exists"
unless overwriting was asked for).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from napari_showermask.io.publish import noting_publishes

__all__ = ["noting", "published_by"]


def _entry(journal: Path, output: Path) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.abspath(output))).hexdigest()
    return journal / key


def _identity(info: os.stat_result) -> str:
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns}"


def _note(journal: Path, output: Path, info: os.stat_result, count: str = "") -> None:
    entry = _entry(journal, output)
    part = entry.with_name(f"{entry.name}.{os.getpid()}")
    part.write_text(_identity(info) + (f" |{count}" if count else ""), encoding="ascii")
    os.replace(part, entry)  # an OSError here stops the publishing: nothing is lost


@contextlib.contextmanager
def noting(journal: Path | None) -> Iterator[Callable[[int], None]]:
    """Note in ``journal`` each file published inside the block (nothing when None).

    The block is given a function to tell the number of showers before it publishes:
    that number is noted with the file, so a worker that dies right after publishing
    leaves all its result in the journal.

    Parameters
    ----------
    journal : pathlib.Path or None
        The batch's journal directory.

    Yields
    ------
    callable
        ``counted(n)``: the file about to be published holds ``n`` showers.
    """
    count = {"n": ""}

    def counted(n: int) -> None:
        count["n"] = f" {n}"

    if journal is None:
        yield counted
        return
    with noting_publishes(lambda output, info: _note(journal, output, info, count["n"])):
        yield counted


def published_by(journal: Path, output: Path) -> int | None:
    """Tell whether the file now at ``output`` is one this batch published.

    Parameters
    ----------
    journal : pathlib.Path
    output : pathlib.Path

    Returns
    -------
    int or None
        Its number of showers (0 if none was noted), or None
        when the file is missing, was not published by this batch, or was replaced since.
    """
    try:
        noted = _entry(journal, output).read_text(encoding="ascii")
        info = os.stat(output)
    except OSError:
        return None
    identity, _, count = noted.partition(" | ")
    if identity != _identity(info):
        return None
    return int(count or 0)
