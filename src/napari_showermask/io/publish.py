"""Atomic publishing: every file this package writes appears complete or not at all.

The bytes are written to a temporary file in the output's own directory (so the final
rename never crosses filesystems) and published only when complete. Without ``overwrite``
the file is published with an exclusive hard link, so of two runs racing for the same new
name exactly one wins. The temporary file is unnamed where the operating system offers
that (Linux ``O_TMPFILE``): a killed process leaves nothing. Elsewhere it is a hidden
``.<name>.<host>-<pid>.<random>.showermask-part`` file, removed on errors, on Ctrl-C and,
under `napari_showermask.io.interrupts.interrupts_on_signals`, on SIGTERM and SIGHUP; one
left by a killed process is removed by the next write into that directory. The output's
directory is opened before writing and the file published into that open directory
(`napari_showermask.io.naming`), so a directory moved or repointed meanwhile never
receives it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, BinaryIO

from napari_showermask.core.errors import ShowerMaskError, os_reason
from napari_showermask.io.interrupts import raise_if_interrupted
from napari_showermask.io.naming import (
    MODE,
    final_name,
    open_directory,
    part_name,
    remove_temporary,
)
from napari_showermask.io.owners import PART_SUFFIX, remove_stale_parts
from napari_showermask.io.paths import check_output, refuse_inputs, refuse_special

__all__ = ["atomic_output", "noting_publishes", "publish_model"]


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
    at = open_directory(output.parent)  # published into it, whatever its path names then
    directory = _identity(output.parent if at is None else at)
    try:
        handle, name = _temporary(output, at)
    except BaseException:
        remove_temporary(None, at)
        raise
    try:
        with handle:
            yield handle
            handle.flush()
            refuse_special(output)  # also one that appeared while this was written
            _refuse_moved(output, inputs, directory)
            raise_if_interrupted()  # a signal some library swallowed: publish nothing
            note = _NOTE.get()
            if note is not None:
                note(output, os.fstat(handle.fileno()))
            final_name(handle, name, output, overwrite, at)
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({os_reason(exc)})") from None
    finally:
        remove_temporary(name, at)


def _identity(directory: Path | int) -> tuple[int, int]:
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


def _temporary(output: Path, at: int | None) -> tuple[BinaryIO, str | None]:
    """Open an unnamed temporary file in ``output``'s directory if possible.

    Else a hidden named one beside ``output``. The unnamed one is made in ``at`` (the
    open directory) when given.
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(output.parent if at is None else ".", flag | os.O_RDWR, MODE, dir_fd=at)
        except OSError:
            pass  # not supported by this filesystem
        else:
            return os.fdopen(fd, "w+b"), None
    try:
        fd, name = tempfile.mkstemp(
            dir=output.parent, prefix=part_name(output), suffix=PART_SUFFIX
        )
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({os_reason(exc)})") from None
    with contextlib.suppress(OSError):
        os.chmod(name, MODE)
    return os.fdopen(fd, "w+b"), name
