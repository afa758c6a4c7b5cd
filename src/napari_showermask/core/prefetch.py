"""Frames computed ahead while the user looks at one: paging groups costs no file read."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

Index = tuple[int, ...]

_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()
_GATE: Callable[[Callable[[], None]], bool] | None = None


def set_ahead_gate(gate: Callable[[Callable[[], None]], bool] | None) -> None:
    """Set when frames asked for on the main thread start their neighbour's computation.

    Parameters
    ----------
    gate : callable or None
        ``gate(start) -> bool``: True when it will call ``start()`` later (e.g. once the
        viewer drew the frame just asked for, so that reading and differencing the next
        frame does not compete with napari's slicing and drawing for the cores and the
        GIL); False to start at once. None (the default): always at once.
    """
    global _GATE
    _GATE = gate


def ahead_gate() -> Callable[[Callable[[], None]], bool] | None:
    """Return the gate set with `set_ahead_gate` (None: computations ahead start at once)."""
    return _GATE


def _executor() -> ThreadPoolExecutor:
    """One background thread for all prefetching (reads are serialised per file anyway)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(1, thread_name_prefix="showermask-prefetch")
        return _EXECUTOR


class FramePrefetch:
    """Compute frames on demand and the next one in the direction of travel in background.

    Parameters
    ----------
    compute : callable
        ``compute(index) -> numpy.ndarray``: one 2-D frame for a tuple of leading indices.
    shape : tuple of int
        The leading shape (e.g. ``(nints, ngroups)``); the last axis is the one paged.
    keep : int
        Frames kept (the one shown, the one before and the one computed ahead).
    describe : callable, optional
        ``describe(frame) -> object``, e.g. the frame's statistics for its contrast:
        computed with each frame computed ahead, so that asking for it (`described`)
        costs nothing on the main thread.

    Notes
    -----
    A frame asked for while it is being computed ahead is waited for, not computed twice.
    On the main thread, the computation ahead starts when the gate of `set_ahead_gate`
    says (a viewer's: once it drew); it is dropped if another frame was asked for meanwhile.
    A failed computation ahead (e.g. the file was closed meanwhile) is forgotten; the
    frame is computed again, and its error raised, if it is asked for.
    """

    def __init__(
        self,
        compute: Callable[[Index], np.ndarray],
        shape: tuple[int, ...],
        keep: int = 3,
        describe: Callable[[np.ndarray], Any] | None = None,
    ) -> None:
        self.compute, self.shape, self.keep = compute, tuple(shape), keep
        self.describe = describe
        self._frames: OrderedDict[Index, np.ndarray] = OrderedDict()
        self._described: dict[Index, Any] = {}
        self._pending: dict[Index, Future[None]] = {}
        self._lock = threading.Lock()
        self._last: Index | None = None
        self._closed = False

    def get(self, index: Index) -> np.ndarray:
        """Return the frame at ``index`` and start computing the next one ahead.

        Parameters
        ----------
        index : tuple of int

        Returns
        -------
        numpy.ndarray
            Read-only: the same array may be returned again.
        """
        index = tuple(int(k) for k in index)
        with self._lock:
            frame = self._frames.get(index)
            pending = self._pending.get(index)
        if frame is None and pending is not None:
            pending.result()
            with self._lock:
                frame = self._frames.get(index)
        if frame is None:
            frame = self.compute(index)
            frame.flags.writeable = False
            self._store(index, frame)
        self._ahead(index)
        return frame

    def described(self, index: Index) -> Any:
        """Return ``describe(frame)`` of the frame at ``index`` (computed once per frame).

        Parameters
        ----------
        index : tuple of int

        Returns
        -------
        object
            What ``describe`` returns; None without ``describe``.
        """
        index = tuple(int(k) for k in index)
        if self.describe is None:
            return None
        with self._lock:
            if index in self._described:
                return self._described[index]
        frame = self.get(index)
        with self._lock:  # the frame's description may have come with it meanwhile
            if index in self._described:
                return self._described[index]
        description = self.describe(frame)
        self._store(index, frame, description)
        return description

    def close(self) -> None:
        """Drop the frames kept and keep no more (e.g. the product was closed)."""
        with self._lock:
            self._closed = True
            self._frames.clear()
            self._described.clear()

    def _store(self, index: Index, frame: np.ndarray, description: Any = None) -> None:
        with self._lock:
            if self._closed:
                return
            self._frames[index] = frame
            self._frames.move_to_end(index)
            if description is not None:
                self._described[index] = description
            while len(self._frames) > self.keep:
                gone, _ = self._frames.popitem(last=False)
                self._described.pop(gone, None)

    def _ahead(self, index: Index) -> None:
        """Start computing the neighbour on the last axis, in the direction of travel."""
        if not index or index == self._last:  # a single frame, or asked for again
            return
        backwards = (
            self._last is not None and self._last[:-1] == index[:-1] and self._last[-1] > index[-1]
        )
        step = -1 if backwards else 1
        self._last = index
        nxt = (*index[:-1], index[-1] + step)
        if not 0 <= nxt[-1] < self.shape[-1]:
            return
        gate = _GATE
        if gate is not None and threading.current_thread() is threading.main_thread():
            if gate(lambda: self._start(nxt, index)):
                return
        self._start(nxt, index)

    def _start(self, nxt: Index, after: Index) -> None:
        """Compute ``nxt`` in background, unless a frame other than ``after`` was asked since."""
        with self._lock:
            if self._closed or self._last != after or nxt in self._frames or nxt in self._pending:
                return
            self._pending[nxt] = _executor().submit(self._fill, nxt)

    def _fill(self, index: Index) -> None:
        try:
            frame = self.compute(index)
            frame.flags.writeable = False
            description = self.describe(frame) if self.describe is not None else None
            self._store(index, frame, description)
        except Exception:  # e.g. the product was closed: computed again if asked for
            pass
        finally:
            with self._lock:
                self._pending.pop(index, None)
