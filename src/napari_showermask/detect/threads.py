"""Progress, cancellation and worker threads of one detection run, for `detection`."""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["Run"]


class Run:
    """Progress and cancellation of one detection run, shared by the worker threads."""

    def __init__(
        self,
        total: int,
        progress: Callable[[float], None] | None,
        cancelled: Callable[[], bool] | None,
        stop: type[Exception],
    ) -> None:
        self.done, self.total = 0, max(total, 1)
        self.progress = progress or (lambda fraction: None)
        self.cancelled = cancelled or (lambda: False)
        self.stop = stop  # raised when cancelled
        self.lock = threading.Lock()
        self.failed = threading.Event()  # a worker failed: the others stop too

    def step(self) -> None:
        """Count one plane done; raise ``stop`` when asked to stop."""
        if self.failed.is_set() or self.cancelled():
            raise self.stop("shower detection cancelled")
        with self.lock:
            self.done = min(self.done + 1, self.total)
            self.progress(self.done / self.total)

    def in_threads(self, target: Callable[[list[int]], None], shares: list[list[int]]) -> None:
        """Run ``target(share)`` in one thread per share; re-raise the first failure.

        One share runs in the calling thread (no thread to start; profilers see it).
        """
        if len(shares) == 1:
            target(shares[0])
            return
        failures: list[BaseException] = []

        def guarded(share: list[int]) -> None:
            try:
                target(share)
            except BaseException as exc:  # re-raised in the calling thread
                failures.append(exc)
                self.failed.set()

        threads = [threading.Thread(target=guarded, args=(share,)) for share in shares]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
