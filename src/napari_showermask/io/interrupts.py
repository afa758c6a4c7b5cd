"""Signals as interrupts, so an interrupted write removes its temporary file.

SIGTERM and SIGHUP raise `Interrupted` like Ctrl-C; while worker processes start, the
signals are held (`signals_held`) so that none is lost.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator

__all__ = [
    "STOP_SIGNALS",
    "Interrupted",
    "interrupts_on_signals",
    "raise_if_interrupted",
    "redeliver_swallowed",
    "release_held_signals",
    "signal_received",
    "signals_held",
]

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_CAME: list[int] = []  # the signals that came while held (a forked worker inherits them)


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when the process gets SIGINT, SIGTERM or SIGHUP.

    A `KeyboardInterrupt`, so the cleanup that Ctrl-C runs also runs for these signals.

    Parameters
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_RECEIVED: list[int] = []  # the signals `interrupts_on_signals` got, first first
_WATCHING: list[bool] = []  # not empty while `interrupts_on_signals` runs


@contextlib.contextmanager
def interrupts_on_signals() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into `Interrupted` while the block runs.

    Batch schedulers, ``timeout`` and a closed terminal send these; without this, Python
    dies at once and ``finally`` blocks (which remove temporary files) never run. Each
    signal is also remembered (`signal_received`): code that catches the interrupt and
    raises something else (numpy's import turns it into an ``ImportError``) cannot hide
    it. SIGINT is handled only when it still has Python's own handler. Does nothing
    outside the main thread; SIGHUP exists only on POSIX systems.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signums = [s for s in STOP_SIGNALS if s != signal.SIGINT]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signums.append(signal.SIGINT)

    def handler(signum: int, frame: object) -> None:
        _RECEIVED.append(signum)
        raise Interrupted(signum)

    _RECEIVED.clear()
    previous = {s: signal.signal(s, handler) for s in signums}
    restore = redeliver_swallowed()
    _WATCHING.append(True)
    try:
        yield
    finally:
        _WATCHING.pop()
        restore()
        for s, old in previous.items():
            signal.signal(s, old)


def signal_received() -> int:
    """Return the first signal received inside the last `interrupts_on_signals` (0: none).

    Returns
    -------
    int
    """
    return _RECEIVED[0] if _RECEIVED else 0


def raise_if_interrupted() -> None:
    """Raise `Interrupted` if a signal came inside `interrupts_on_signals` and was swallowed.

    Some code catches everything, also the interrupt: a Cython module's initialisation
    (numpy.random's registers its classes with `abc` and ignores what that raises), a
    library's bare ``except``. The run would then go on as if no signal had come. Called
    before anything is published or any worker started, so a swallowed signal still stops
    the run there. Outside `interrupts_on_signals` it does nothing.

    Raises
    ------
    Interrupted
        With the first signal received.
    """
    if _WATCHING and _RECEIVED:
        raise Interrupted(_RECEIVED[0])


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP while the block runs; they take effect after it.

    For starting worker processes: a signal that arrives while a worker is forked is
    otherwise raised inside the interpreter's fork hooks, where it is printed and ignored
    ("Exception ignored in ... _releaseLock"), and the run goes on as if Ctrl-C had never
    been pressed. In the block a signal is only recorded (whichever thread receives it)
    and then raised again when the block ends, through the handler in place before. On
    POSIX the signals are also blocked in this thread, so the processes started in the
    block begin with them blocked until they call `release_held_signals`. Outside the
    main thread nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def record(signum: int, frame: object) -> None:
        _CAME.append(signum)

    _CAME.clear()
    ignored = {s for s in STOP_SIGNALS if signal.getsignal(s) == signal.SIG_IGN}  # nohup
    previous = {s: signal.signal(s, record) for s in STOP_SIGNALS if s not in ignored}
    mask = getattr(signal, "pthread_sigmask", None)
    blocked = mask(signal.SIG_BLOCK, STOP_SIGNALS) if mask is not None else None
    try:
        yield
    finally:
        if mask is not None and blocked is not None:
            mask(signal.SIG_SETMASK, blocked)  # one pending here is recorded now
        for s, old in previous.items():
            signal.signal(s, old)
        came = list(_CAME)
        _CAME.clear()
        if came:
            signal.raise_signal(came[0])  # e.g. KeyboardInterrupt, now and here


def release_held_signals() -> int:
    """In a process started inside `signals_held`: let the signals in, once handled.

    Call it after setting up the process's own signal handlers; a signal that came while
    the process started is delivered to them now.

    Returns
    -------
    int
        The first signal its parent recorded before starting it (0 if none): the process
        should stop before doing any work.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    return _CAME[0] if _CAME else 0


REDELIVER_SECONDS = 0.01  # after the callback that swallowed an interrupt is over


def redeliver_swallowed(again: Callable[[int], None] = lambda signum: None) -> Callable[[], None]:
    """Deliver again an `Interrupted` that the interpreter swallowed; return an undo.

    A signal's Python handler runs in whatever Python code is running. When that is a
    callback whose exceptions the interpreter ignores (a weakref callback such as
    importlib's module-lock one, a ``__del__`` method, a garbage-collector callback), the
    `Interrupted` raised there is printed as "Exception ignored in ..." and lost, and the
    interrupted work goes on. Through `sys.unraisablehook`, such an interrupt is not
    printed: ``again(signum)`` is called, then the signal is simulated again in the main
    thread (`_thread.interrupt_main`) a moment later, once the callback is over. Other
    unraisable exceptions go to the hook in place before.

    Parameters
    ----------
    again : callable, optional
        Called with the signal's number before it is delivered again (a handler that
        raises only once can re-arm itself there).

    Returns
    -------
    callable
        Puts the previous hook back.
    """
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        exc = unraisable.exc_value
        if not isinstance(exc, Interrupted):
            previous(unraisable)
            return
        while True:
            try:  # a signal handled in here would be swallowed too: go round again
                again(exc.signum)
                later = threading.Timer(REDELIVER_SECONDS, _thread.interrupt_main, (exc.signum,))
                later.daemon = True
                later.start()
                return
            except Interrupted as more:
                exc = more

    def restore() -> None:
        if sys.unraisablehook is hook:
            sys.unraisablehook = previous

    sys.unraisablehook = hook
    return restore
