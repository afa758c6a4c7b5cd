"""The one exception type that reports bad user input, and the one-line reasons it gives."""


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
