"""The one exception type that reports bad user input, and the one-line reasons it gives."""

from __future__ import annotations

import os
import stat


class ShowerMaskError(Exception):
    """Bad input: a file that cannot be read or used, or a catalog that does not fit.

    The message is one line that names the file and the reason; the command line prints it
    as ``showermask: error: <message>`` and the napari plugin shows it as a notification.
    """


def os_reason(exc: BaseException) -> str:
    """Return the reason an operation failed, in one line (an OSError's strerror).

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str
    """
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return first_line(exc)


def first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, or its type's name.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str
    """
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def not_a_file(path: str | os.PathLike[str], what: str = "file") -> ShowerMaskError:
    """Return the error for a path that is not a regular file, with the true reason.

    Parameters
    ----------
    path : str or path-like
    what : str
        What was expected, e.g. ``'catalog file'``.

    Returns
    -------
    ShowerMaskError
        ``no such <what>``, ``is a directory`` or ``not a regular file`` (a FIFO, a device
        or a socket, which are never read: a FIFO would wait for a writer forever).
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return ShowerMaskError(f"{path}: no such {what}")
    if stat.S_ISDIR(mode):
        return ShowerMaskError(f"{path}: is a directory, not a {what}")
    return ShowerMaskError(f"{path}: not a regular file (a FIFO, device or socket)")
