"""Cancelling a batch on a cluster: a task that was cancelled never publishes its file.

A cluster cannot stop a task that is already running: cancelling its future only drops
the result. So each task of a cluster batch claims its output just before publishing
it, and the batch, when it is interrupted, claims every output not yet done: whichever
comes first wins. A claim is a file created exclusively (``O_EXCL``, atomic on local
and network filesystems alike) in the batch's hidden claims directory, beside the first
output: ``publish`` from a task, ``cancel`` from the batch. A task that finds ``cancel``,
or no claims directory at all (the batch is over), refuses to publish and removes its
temporary file; one that finds ``publish`` is a retry of its own earlier attempt. Nothing
here sends signals or needs any platform's own calls.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.owners import host_name, process_running
from napari_showermask.io.publish import noting_publishes

__all__ = [
    "PREFIX",
    "cancel",
    "claiming",
    "claims_directory",
    "remove_claims",
    "remove_stale_claims",
]

PREFIX = ".showermask-claims-"
_PUBLISH, _CANCEL = b"publish", b"cancel"


def claims_directory(outputs: Iterable[Path]) -> Path | None:
    """Create a batch's claims directory in the first output directory that allows it.

    Parameters
    ----------
    outputs : iterable of pathlib.Path
        The files the batch's tasks write (absolute paths, as the workers see them).

    Returns
    -------
    pathlib.Path or None
        None when no output directory can be written in (every task then fails anyway).
    """
    for parent in dict.fromkeys(Path(p).parent for p in outputs):
        remove_stale_claims(parent)
        directory = parent / f"{PREFIX}{host_name()}-{os.getpid()}-{secrets.token_hex(6)}"
        try:
            directory.mkdir()
        except OSError:
            continue
        return directory
    return None


def _claim(directory: Path, output: Path, what: bytes) -> bytes:
    """Claim ``output`` for ``what``; return the claim that holds (maybe someone else's)."""
    key = hashlib.sha256(os.fsencode(os.path.abspath(output))).hexdigest()
    path = directory / key
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            return path.read_bytes()
        except OSError:
            return _CANCEL  # the batch is being cleaned up: it is over
    try:
        os.write(fd, what)
    finally:
        os.close(fd)
    return what


@contextlib.contextmanager
def claiming(directory: Path | None) -> Iterator[None]:
    """Publish the files written inside the block only if their claim is won.

    Parameters
    ----------
    directory : pathlib.Path or None
        The batch's claims directory (nothing is checked when None).

    Raises
    ------
    ShowerMaskError
        From the publishing inside the block, when the batch was cancelled: the file is
        not published and its temporary file is removed.
    """
    if directory is None:
        yield
        return

    def claim(output: Path, info: os.stat_result) -> None:
        try:
            held = _claim(directory, output, _PUBLISH)
        except OSError:  # no claims directory any more: the batch ended or was cancelled
            held = _CANCEL
        if held != _PUBLISH:
            raise ShowerMaskError(f"{output}: not written (the run was cancelled)")

    with noting_publishes(claim):
        yield


def cancel(directory: Path | None, outputs: Iterable[Path]) -> list[Path]:
    """Claim outputs for the batch, so that the tasks writing them never publish.

    Parameters
    ----------
    directory : pathlib.Path or None
    outputs : iterable of pathlib.Path
        The outputs of the tasks not done.

    Returns
    -------
    list of pathlib.Path
        The outputs whose task had already claimed them: they are being published now.
    """
    if directory is None:
        return []
    publishing = []
    for output in outputs:
        with contextlib.suppress(OSError):
            if _claim(directory, output, _CANCEL) == _PUBLISH:
                publishing.append(output)
    return publishing


def remove_claims(directory: Path | None) -> None:
    """Remove a batch's claims directory: a task that publishes later finds none and refuses.

    Parameters
    ----------
    directory : pathlib.Path or None
    """
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def remove_stale_claims(parent: Path) -> list[Path]:
    """Remove the claims directories that batches killed on this host left in ``parent``.

    A batch removes its own when it ends; one killed (SIGKILL) cannot. Its directory is
    stale when the process named in it no longer runs on this host. Where that cannot be
    told (Windows), nothing is removed.

    Parameters
    ----------
    parent : pathlib.Path

    Returns
    -------
    list of pathlib.Path
        The directories removed.
    """
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(PREFIX) and e.is_dir()]
    except OSError:
        return removed
    for entry in entries:
        owner = entry.name[len(PREFIX) :].rpartition("-")[0]  # <host>-<pid>-<random>
        host, _, pid = owner.rpartition("-")
        if host != host_name() or not pid.isdigit() or process_running(int(pid), unknown=True):
            continue
        remove_claims(Path(entry.path))
        removed.append(Path(entry.path))
    return removed
