"""Atomic publishing: every file this package writes appears complete or not at all.

The bytes are written to a temporary file in the output's own directory (so the final
rename never crosses filesystems) and published only when complete. Without ``overwrite``
the file is published with an exclusive hard link, so of two runs racing for the same new
name exactly one wins. The temporary file is unnamed where the operating system offers
that (Linux ``O_TMPFILE``): a killed process leaves nothing. Elsewhere it is a hidden
``.<name>.<host>-<pid>.<random>.showermask-part`` file, removed on errors, on Ctrl-C and,
under `napari_showermask.io.interrupts.interrupts_on_signals`, on SIGTERM and SIGHUP; one
left by a killed process is removed by the next write into that directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, BinaryIO

from napari_showermask.core.errors import ShowerMaskError, os_reason
from napari_showermask.io.owners import PART_SUFFIX, host_name, remove_stale_parts
from napari_showermask.io.paths import check_output, refuse_inputs, refuse_special

__all__ = ["atomic_output", "noting_publishes", "publish_model"]

_MODE = 0o644

Note = Callable[[Path, os.stat_result], None]
_NOTE: ContextVar[Note | None] = ContextVar("showermask_publish_note", default=None)


@contextlib.contextmanager
def noting_publishes(note: Note) -> Iterator[None]:
    """Call ``note(output, stat)`` just before each file of this context is published.

    ``stat`` is the finished file's `os.fstat`: the published file is that very file
    (same device, inode, size and modification time), so a caller that dies right after
    publishing can still be told apart from any other writer of that path.

    Inside an enclosing `noting_publishes`, its note is called first. A note that raises
    stops the publishing: the file is not published and its temporary file is removed.

    Parameters
    ----------
    note : callable
    """
    outer = _NOTE.get()

    def both(output: Path, info: os.stat_result) -> None:
        if outer is not None:
            outer(output, info)
        note(output, info)

    token = _NOTE.set(both)
    try:
        yield
    finally:
        _NOTE.reset(token)


@contextlib.contextmanager
def atomic_output(
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Iterator[BinaryIO]:
    """Write a file that appears at ``output`` only once it is complete.

    Parameters
    ----------
    output : str or path-like
    inputs : iterable of str or path-like
        Files that the output may not be (see `check_output`).
    overwrite : bool
        Replace an existing output (atomically); otherwise an existing output, also one
        created meanwhile by another process, is an error and is left alone.

    Yields
    ------
    file object
        Opened for binary reading and writing, positioned at 0; its ``name`` may be a
        file descriptor number rather than a path.

    Raises
    ------
    ShowerMaskError
        See `check_output`; also when writing fails. Messages name ``output``, never the
        temporary file.
    """
    inputs = list(inputs)
    output = check_output(output, inputs, overwrite)
    remove_stale_parts(output.parent)
    directory = _identity(output.parent)
    handle, name = _temporary(output)
    parent = None if name is None else _open_directory(output.parent)
    try:
        with handle:
            yield handle
            handle.flush()
            refuse_special(output)  # also one that appeared while this was written
            _refuse_moved(output, inputs, directory)
            note = _NOTE.get()
            if note is not None:
                note(output, os.fstat(handle.fileno()))
            _publish(handle, name, output, overwrite)
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({os_reason(exc)})") from None
    finally:
        if name is not None:
            _remove_temporary(name, parent)


def _open_directory(directory: Path) -> int | None:
    """Open the directory a temporary file is written in, to remove the file from there.

    That holds when the directory is moved or replaced meanwhile. None where the system
    removes files by path only (Windows, which does not move a directory in use).
    """
    if os.unlink not in os.supports_dir_fd:
        return None
    try:
        return os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None


def _remove_temporary(name: str, directory: int | None) -> None:
    """Remove a named temporary file from the directory it was written in, else by path."""
    try:
        if directory is not None:
            with contextlib.suppress(OSError):
                os.unlink(os.path.basename(name), dir_fd=directory)
                return
        with contextlib.suppress(OSError):
            os.unlink(name)  # gone (published), or created after the directory was moved
    finally:
        if directory is not None:
            os.close(directory)


def _identity(directory: Path) -> tuple[int, int]:
    info = os.stat(directory)
    return info.st_dev, info.st_ino


def _refuse_moved(output: Path, inputs: list[Any], directory: tuple[int, int]) -> None:
    """Refuse to publish where the checks of `check_output` no longer hold.

    The output's directory must still be the one written in (not renamed away, with a link
    or another directory now at its path), and the output must still not be an input.
    """
    if _identity(output.parent) != directory:
        raise ShowerMaskError(
            f"{output}: not written (its directory was moved or replaced while it was written)"
        )
    refuse_inputs(output, inputs)


def publish_model(
    model: Any,
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Path:
    """Save a data model as FITS with `atomic_output`: complete or not at all.

    Parameters
    ----------
    model : stdatamodels.DataModel
        Saved through its ``to_fits``; its ``meta.filename`` becomes the output's name.
    output : str or path-like
        A ``.fits`` name.
    inputs : iterable of str or path-like
        Files the output may not be (see `check_output`), e.g. the model's own file.
    overwrite : bool
        Replace an existing output (never an input).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ShowerMaskError
        As `atomic_output`, or a name that does not end in ``.fits``.
    """
    output = Path(output)
    if output.suffix.lower() != ".fits":
        raise ShowerMaskError(f"{output}: only FITS is written; give a .fits name")
    with atomic_output(output, inputs, overwrite) as handle:
        model.meta.filename = output.name
        try:
            model.to_fits(handle, overwrite=True)
        except Exception as exc:  # astropy's free-space check can fail on its own
            cause = _os_error_in(exc)
            if cause is None:
                raise
            raise cause from None
    return output


def _os_error_in(exc: BaseException | None) -> OSError | None:
    """Return the first `OSError` of an exception and those it happened while handling."""
    while exc is not None and not isinstance(exc, OSError):
        exc = exc.__context__
    return exc


def _temporary(output: Path) -> tuple[BinaryIO, str | None]:
    """Open an unnamed temporary file beside ``output`` if possible, else a hidden one."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(output.parent, flag | os.O_RDWR, _MODE)
        except OSError:
            pass  # not supported by this filesystem
        else:
            return os.fdopen(fd, "w+b"), None
    try:
        fd, name = tempfile.mkstemp(
            dir=output.parent, prefix=_part_prefix(output), suffix=PART_SUFFIX
        )
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({os_reason(exc)})") from None
    with contextlib.suppress(OSError):
        os.chmod(name, _MODE)
    return os.fdopen(fd, "w+b"), name


def _part_prefix(output: Path) -> str:
    """Return the start of a temporary file's name: short enough beside any valid name."""
    name = output.name.encode("utf-8", "surrogateescape")[:80].decode("utf-8", "ignore")
    return f".{name}.{host_name()}-{os.getpid()}."  # with the rest, 255 bytes at most


def _publish(handle: BinaryIO, name: str | None, output: Path, overwrite: bool) -> None:
    """Give the finished temporary file its final name."""
    if name is None:  # unnamed: link it in, under a temporary name first if replacing
        source = f"/proc/self/fd/{handle.fileno()}"
        if not overwrite:
            _link_exclusive(source, output, handle.fileno())
            return
        named = output.with_name(f"{_part_prefix(output)}{secrets.token_hex(4)}{PART_SUFFIX}")
        _link(source, named, handle.fileno())
        try:
            os.replace(named, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(named)
            raise
    elif overwrite:
        os.replace(name, output)
    else:
        _link_exclusive(name, output)


def _link(source: str, target: str | Path, fd: int | None = None) -> None:
    """Hard-link; an unnamed file is linked through its ``/proc/self/fd`` entry.

    That needs ``linkat(..., AT_SYMLINK_FOLLOW)``, which `os.link` uses only when given a
    directory descriptor (ignored for the absolute source path).
    """
    if fd is None:
        os.link(source, target)
    else:
        os.link(source, target, src_dir_fd=fd, follow_symlinks=True)


def _link_exclusive(source: str, output: Path, fd: int | None = None) -> None:
    """Create ``output`` as a new name of ``source``, failing if it exists."""
    try:
        _link(source, output, fd)
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
        _reserve_and_replace(source, output)


def _reserve_and_replace(source: str, output: Path) -> None:
    """Publish on filesystems without hard links: reserve the name exclusively, then replace."""
    try:
        os.close(os.open(output, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _MODE))
    except FileExistsError:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)") from None
    try:
        os.replace(source, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(output)
        raise
