"""SIGTERM and SIGHUP as interrupts, so an interrupted write removes its temporary file."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["Interrupted", "interrupts_on_signals"]


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when the process gets SIGTERM or SIGHUP.

    A `KeyboardInterrupt`, so the cleanup that Ctrl-C runs also runs for these signals.

    Parameters
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def interrupts_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Interrupted` while the block runs.

    Batch schedulers, ``timeout`` and a closed terminal send these; without this, Python
    dies at once and ``finally`` blocks (which remove temporary files) never run. Does
    nothing outside the main thread; SIGHUP exists only on POSIX systems.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]

    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
