"""What a batch's workers published: how a retry tells its own lost output from anyone else's.

A worker that publishes a file and dies before its result comes back leaves the file but
no result. So, inside `noting`, every file a worker is about to publish is noted in the
batch's journal (a private directory) by the identity of the finished file (device,
inode, size, modification time: publishing by link or rename keeps them), before it gets
its name: no moment exists at which the file is published and not noted. Before retrying
a lost file the batch asks the journal (`published_by`): a file this batch published is
its result; anything else at that path is left alone (the retry fails with "exists"
unless overwriting was asked for).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from napari_showermask.io.publish import noting_publishes

__all__ = ["count_published", "noting", "published_by"]


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
def noting(journal: Path | None) -> Iterator[None]:
    """Note in ``journal`` each file published inside the block (nothing when None).

    Parameters
    ----------
    journal : pathlib.Path or None
        The batch's journal directory.
    """
    if journal is None:
        yield
        return
    with noting_publishes(lambda output, info: _note(journal, output, info)):
        yield


def count_published(journal: Path | None, output: Path, count: int) -> None:
    """Add the number of showers to the note of a file published inside `noting`.

    Parameters
    ----------
    journal : pathlib.Path or None
    output : pathlib.Path
    count : int
    """
    if journal is None:
        return
    with contextlib.suppress(OSError):
        info = os.stat(output)
        _note(journal, output, info, f" {count}")


def published_by(journal: Path, output: Path) -> int | None:
    """Tell whether the file now at ``output`` is one this batch published.

    Parameters
    ----------
    journal : pathlib.Path
    output : pathlib.Path

    Returns
    -------
    int or None
        Its number of showers (0 if its worker died before counting them), or None
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
