"""Giving a complete temporary file its final name, in the directory that was checked.

Where the system offers directory descriptors (Linux, macOS), the output's directory is
opened before the file is written, and the temporary file is linked or renamed into that
open directory, not into whatever its path names at the moment of publishing: a directory
renamed, or a link repointed, after the last check cannot send the output elsewhere (least
of all onto an input). Elsewhere (Windows, which does not move a directory in use) names
are given by path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.owners import PART_SUFFIX, host_name

__all__ = ["final_name", "open_directory", "part_name", "remove_temporary"]

MODE = 0o644
_AT_CALLS = (os.open, os.link, os.rename, os.unlink)


def open_directory(directory: Path) -> int | None:
    """Open the output's directory to publish into it; None where names go by path.

    Parameters
    ----------
    directory : pathlib.Path

    Returns
    -------
    int or None
        A file descriptor, for `final_name` and `remove_temporary` (which closes it).
    """
    if not all(call in os.supports_dir_fd for call in _AT_CALLS):
        return None
    try:
        return os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None


def part_name(output: Path) -> str:
    """Return the start of a temporary file's name beside ``output``.

    With the rest of the name it is 255 bytes at most, beside any valid output name.
    """
    name = output.name.encode("utf-8", "surrogateescape")[:80].decode("utf-8", "ignore")
    return f".{name}.{host_name()}-{os.getpid()}."


def remove_temporary(name: str | None, at: int | None) -> None:
    """Remove a named temporary file (if any) from its directory; close the directory."""
    try:
        if name is not None and at is not None:
            with contextlib.suppress(OSError):
                os.unlink(os.path.basename(name), dir_fd=at)
                return
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)  # gone (published), or created after the directory moved
    finally:
        if at is not None:
            os.close(at)


def final_name(
    handle: BinaryIO, name: str | None, output: Path, overwrite: bool, at: int | None
) -> None:
    """Give the finished temporary file (unnamed if ``name`` is None) ``output``'s name.

    Parameters
    ----------
    handle : file object
        The temporary file.
    name : str or None
        Its path, or None for an unnamed (``O_TMPFILE``) file.
    output : pathlib.Path
    overwrite : bool
        Replace an existing output; otherwise an existing one is an error.
    at : int or None
        The output's directory, from `open_directory`.
    """
    target = _here(output, at)
    if name is None:  # unnamed: link it in, under a temporary name first if replacing
        source, fd = f"/proc/self/fd/{handle.fileno()}", handle.fileno()
        if not overwrite:
            _link_exclusive(source, output, at, fd)
            return
        named = f"{part_name(output)}{secrets.token_hex(4)}{PART_SUFFIX}"
        named_here = _here(output.with_name(named), at)
        _link(source, named_here, at, fd)
        _replace_else_remove(named_here, target, at, named_here)
    elif overwrite:
        os.replace(_here(Path(name), at), target, src_dir_fd=at, dst_dir_fd=at)
    else:
        _link_exclusive(_here(Path(name), at), output, at)


def _here(path: Path, at: int | None) -> str:
    """Name a file of the output's directory: its name there, or its path without ``at``."""
    return path.name if at is not None else str(path)


def _link(source: str, target: str, at: int | None, fd: int | None = None) -> None:
    """Hard-link; an unnamed file is linked through its ``/proc/self/fd`` entry.

    That needs ``linkat(..., AT_SYMLINK_FOLLOW)``, which `os.link` uses only when given a
    directory descriptor (``fd``, ignored for the absolute source path).
    """
    source_at = fd if fd is not None else at
    if source_at is None and at is None:
        os.link(source, target)
    else:
        os.link(source, target, src_dir_fd=source_at, dst_dir_fd=at, follow_symlinks=True)


def _link_exclusive(source: str, output: Path, at: int | None, fd: int | None = None) -> None:
    """Create ``output`` as a new name of ``source``, failing if it exists."""
    try:
        _link(source, _here(output, at), at, fd)
    except FileExistsError:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)") from None
    except OSError as exc:
        if exc.errno not in (
            errno.EPERM,
            errno.EOPNOTSUPP,
            errno.EMLINK,
            errno.ENOSYS,
            errno.EXDEV,
        ):
            raise
        if source.startswith("/proc/"):
            raise
        _reserve_and_replace(source, output, at)


def _reserve_and_replace(source: str, output: Path, at: int | None) -> None:
    """Publish on filesystems without hard links: reserve the name exclusively, then replace."""
    target = _here(output, at)
    try:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, MODE, dir_fd=at))
    except FileExistsError:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)") from None
    _replace_else_remove(source, target, at, target)


def _replace_else_remove(source: str, target: str, at: int | None, leftover: str) -> None:
    """Rename ``source`` onto ``target``; if that fails, remove ``leftover`` and re-raise."""
    try:
        os.replace(source, target, src_dir_fd=at, dst_dir_fd=at)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(leftover, dir_fd=at)
        raise
