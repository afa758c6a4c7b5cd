"""The one exception type that reports bad user input."""


class ShowerMaskError(Exception):
    """Bad input: a file that cannot be read or used, or a catalog that does not fit.

    The message is one line that names the file and the reason; the command line prints it
    as ``showermask: error: <message>`` and the napari plugin shows it as a notification.
    """
