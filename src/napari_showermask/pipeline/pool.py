"""Where batch tasks run: local worker processes that survive a lost worker, or a cluster.

Generic over the task: `napari_showermask.pipeline.batch` gives each call's task, what to do with a
result (``finished(n, result)``) and how to turn an exception into one (``failed(n, exc)``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NoReturn

from napari_showermask.core.errors import ShowerMaskError, first_line
from napari_showermask.io.interrupts import (
    STOP_SIGNALS,
    Interrupted,
    raise_if_interrupted,
    redeliver_swallowed,
    release_held_signals,
    signals_held,
)

__all__ = [
    "exit_if_interrupted",
    "exit_if_stopping",
    "in_processes",
    "on_cluster",
    "worker_task",
]

Finished = Callable[[int, Any], None]
Failed = Callable[[int, BaseException], Any]


def in_processes(
    task: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    jobs: int,
    finished: Finished,
    failed: Failed,
    recovered: Callable[[int], Any] = lambda n: None,
) -> None:
    """Run the calls in a pool of processes (the platform's default way of starting them).

    A worker that dies (killed, out of memory) breaks the pool and fails every file not yet
    done; those files are then run again one by one, each in a fresh process, so only a
    file that kills its worker again fails ("the worker process died"). Before that,
    ``recovered(n)`` may return the result of a lost file whose worker finished it (it
    published, then died): that file is not run again. A retry is a new attempt: it checks
    what exists at that moment, as the first one did.
    """
    lost = _in_pool(task, calls, range(len(calls)), jobs, finished, failed)
    for n in lost:
        result = recovered(n)
        if result is not None:
            finished(n, result)
        elif _in_pool(task, calls, [n], 1, finished, failed):
            finished(n, failed(n, ShowerMaskError("the worker process died")))


def _in_pool(
    task: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    indices: Iterable[int],
    jobs: int,
    finished: Finished,
    failed: Failed,
) -> list[int]:
    """Run some of the calls in a new pool; return the indices lost to a broken pool."""
    lost = []
    pool = None
    raise_if_interrupted()  # a signal swallowed while importing: start no worker
    try:
        futures = {}
        with signals_held():  # workers start here (forked on Linux): see signals_held
            pool = ProcessPoolExecutor(jobs, initializer=_worker_started)
            for n in indices:
                try:
                    futures[pool.submit(task, *calls[n])] = n
                except BrokenProcessPool:  # a worker died before all files were handed out
                    lost.append(n)
        for future in as_completed(futures):
            n = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(n)
                continue
            except Exception as exc:  # e.g. a result that cannot be sent back
                result = failed(n, exc)
            finished(n, result)
    except BaseException:  # Ctrl-C, SIGTERM: stop the workers; they remove partial files
        if pool is not None:
            _stop_workers(pool)
        raise
    pool.shutdown()
    return sorted(lost)


_IN_WORKER = False  # True in the processes of the local pool
_IN_TASK = False  # True while a pool worker runs one of our tasks
_STOP_SIGNAL = 0  # in a pool worker: the first signal received
_RAISED = False  # in a pool worker: a signal has interrupted the task


def _worker_started() -> None:
    """In a pool worker, SIGINT, SIGTERM and SIGHUP raise `Interrupted` (the first of them).

    The file being written is then removed as the exception unwinds, and the worker exits
    (`exit_if_interrupted`) instead of going on with the files queued for it, also when
    the signal came between two files (`exit_if_stopping`). An interrupt swallowed by an
    interpreter callback is raised again a moment later (`redeliver_swallowed`).
    """
    global _IN_WORKER, _STOP_SIGNAL
    _IN_WORKER = True

    def handler(signum: int, frame: object) -> None:
        global _STOP_SIGNAL, _RAISED
        _STOP_SIGNAL = _STOP_SIGNAL or signum
        if not _IN_TASK:  # between files, or sending a result back: nothing to clean up,
            os._exit(128 + signum)  # and the pool's queues may be locked by a dead sibling
        if not _RAISED:  # a later one (the batch's SIGTERM) leaves the file's cleanup to finish
            _RAISED = True
            raise Interrupted(signum)

    def again(signum: int) -> None:
        global _RAISED
        _RAISED = False

    redeliver_swallowed(again)
    for number in STOP_SIGNALS:
        if signal.getsignal(number) != signal.SIG_IGN:  # nohup, &
            signal.signal(number, handler)
    stop = release_held_signals()  # held while this worker started: it ends before a file
    _STOP_SIGNAL = stop or _STOP_SIGNAL


def exit_if_stopping() -> None:
    """End a pool worker that got a signal before this file started."""
    if _STOP_SIGNAL:
        os._exit(128 + _STOP_SIGNAL)


@contextlib.contextmanager
def worker_task() -> Iterator[None]:
    """Run one file's task in a pool worker: a signal now interrupts it.

    Its partial file is removed as the exception unwinds. Outside a task a signal ends
    the worker at once.
    """
    global _IN_TASK
    exit_if_stopping()
    _IN_TASK = _IN_WORKER
    try:
        yield
    finally:
        _IN_TASK = False


def exit_if_interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """End a pool worker at once once its file is cleaned up; elsewhere, re-raise."""
    if _IN_WORKER:
        os._exit(128 + int(getattr(exc, "signum", signal.SIGINT)))
    raise exc


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel the files not started, send the workers SIGTERM and wait for them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():  # stuck outside Python code: no cleanup possible anyway
            process.kill()
            process.join()


CONNECT_SECONDS = 10


def _connect(client_class: Any, address: str, seconds: float = CONNECT_SECONDS) -> Any:
    """Connect to a scheduler within ``seconds``, whatever it does.

    distributed's own ``timeout`` covers the connection, not a scheduler that accepts it
    and never answers: the attempt runs in a thread that is given up on after the time.
    """
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = client_class(address, timeout=seconds)
        except Exception as exc:  # OSError, TimeoutError; TypeError (tls:// without a
            outcome["error"] = exc  # security context), ValueError (ucx:// without ucx)...

    thread = threading.Thread(target=attempt, name="showermask-connect", daemon=True)
    thread.start()
    thread.join(seconds + 2)
    if "client" in outcome:
        return outcome["client"]
    reason = first_line(outcome["error"]) if "error" in outcome else f"no answer in {seconds} s"
    raise ShowerMaskError(f"cannot connect to the scheduler {address} ({reason})")


def on_cluster(
    task: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    client: Any,
    finished: Finished,
    failed: Failed,
    cancelled: Callable[[list[int]], list[int]] = lambda pending: [],
) -> None:
    """Run the calls as tasks on a dask.distributed cluster, one file per task.

    When interrupted (Ctrl-C), ``cancelled(pending)`` is told the calls not done, so that
    their running tasks never publish, and returns those already publishing: they are
    waited for (a few seconds at most) and reported; the others are cancelled.
    """
    try:
        from distributed import Client
        from distributed import as_completed as completed
    except ImportError:
        raise ShowerMaskError(
            "running on a cluster needs dask.distributed: pip install 'napari-showermask[cluster]'"
        ) from None
    raise_if_interrupted()  # a signal swallowed while importing: submit nothing
    own = not isinstance(client, Client)
    if own:
        client = _connect(Client, client)
    try:
        futures = {client.submit(task, *call, pure=False): n for n, call in enumerate(calls)}
        done: set[int] = set()

        def report(future: Any) -> None:
            n = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a lost worker (KilledWorker) or a missing package
                result = failed(n, exc)
            done.add(n)
            finished(n, result)

        try:
            for future in completed(futures):
                report(future)
        except BaseException:
            publishing = set(cancelled([n for n in futures.values() if n not in done]))
            client.cancel([f for f, n in futures.items() if n not in publishing])
            _last_results([f for f, n in futures.items() if n in publishing], report)
            raise
    finally:
        if own:
            client.close()


def _last_results(futures: list[Any], report: Callable[[Any], None], seconds: float = 10) -> None:
    """Report the tasks that were publishing when the batch was interrupted."""
    if not futures:
        return
    from distributed import wait

    with contextlib.suppress(Exception):
        wait(futures, timeout=seconds)
    for future in futures:
        if future.done():
            report(future)
