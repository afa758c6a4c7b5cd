"""Many files at once: apply catalogs or detect showers over a whole program, one result each.

Each file is one task, run in a local process pool (``jobs`` processes, default: the
cores) or on a dask.distributed cluster (``client=``: a ``distributed.Client`` or a
scheduler address; the ``cluster`` extra). A worker handles one file at a time, with the
same lazy, chunked reading and writing as a single-file run, so its memory stays what one
file needs (on a cluster, start workers with ``--nthreads 1`` for the same bound). On a
cluster the paths must name the same files on every worker (a shared filesystem).

A bad file never stops the others: its `FileResult` carries a one-line ``error``
naming the file and the reason, and every other file is still done. A progress callback
gets a `BatchProgress` after each file (files done, bytes of input done, bytes/s).
Outputs are exactly what the single-file functions write, byte for byte.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.pipeline.claims import cancel, claims_directory, remove_claims
from napari_showermask.pipeline.filetasks import (
    apply_one,
    detect_one,
    failed_result,
    output_of,
    size_of,
)
from napari_showermask.pipeline.journal import published_by
from napari_showermask.pipeline.pool import in_processes, on_cluster
from napari_showermask.pipeline.results import BatchProgress, FileResult

if TYPE_CHECKING:
    from napari_showermask.detect.params import DetectionParams

__all__ = ["BatchProgress", "FileResult", "apply_files", "default_jobs", "detect_files"]

PathLike = str | os.PathLike[str]


Progress = Callable[[BatchProgress], None]


def default_jobs() -> int:
    """Return the number of local worker processes used by default: the usable cores.

    Returns
    -------
    int
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def apply_files(
    inputs: Iterable[PathLike],
    showers: PathLike | None = None,
    output: PathLike | None = None,
    overwrite: bool = False,
    jobs: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Write a masked copy of each product, as `napari_showermask.io.masked.write_masked` does.

    Parameters
    ----------
    inputs : iterable of str or path-like
        Ramp, rateints or rate products.
    showers : str or path-like, optional
        The catalog, only with one input; by default each input's sidecar
        ``<stem>_showers.ecsv`` (`napari_showermask.io.paths.sidecar_path`).
    output : str or path-like, optional
        Only with one input; by default ``<stem>_showers_masked.fits`` next to each input.
    overwrite : bool
        Replace existing outputs (never an input).
    jobs : int, optional
        Local worker processes (default `default_jobs`, at most one per file); ignored
        with ``client``.
    client : distributed.Client or str, optional
        Run the files on this dask.distributed cluster (a scheduler address is connected
        to and disconnected from).
    progress : callable, optional
        Called with a `BatchProgress` after each file, in the calling thread.

    Returns
    -------
    list of FileResult
        One per input, in input order.

    Raises
    ------
    ShowerMaskError
        ``showers`` or ``output`` given with more than one input.
    """
    paths = _paths(inputs, client, showers=showers, output=output)
    catalog, output = _path(showers, client), _path(output, client)
    from napari_showermask.io.masked import default_output

    products = _Inputs(paths)  # no file's output may be another product of the batch
    one = [
        (p, catalog, output, overwrite, products.at(output or default_output(p))) for p in paths
    ]
    return _run(apply_one, one, jobs, client, progress)


def detect_files(
    inputs: Iterable[PathLike],
    output: PathLike | None = None,
    accept: bool = False,
    overwrite: bool = False,
    jobs: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
    threads: int | None = None,
    params: DetectionParams | None = None,
) -> list[FileResult]:
    """Detect showers in each ramp and write its catalog.

    Parameters
    ----------
    inputs : iterable of str or path-like
        Ramp products.
    output : str or path-like, optional
        Only with one input; by default each input's ``<stem>_candidates.ecsv`` (with
        ``accept``: its sidecar ``<stem>_showers.ecsv``).
    accept : bool
        Write the proposals as the showers to mask (the sidecar).
    overwrite : bool
        Replace existing catalogs (an existing sidecar is kept without it).
    jobs, client, progress
        As in `apply_files`.
    threads : int, optional
        Threads of `napari_showermask.detect.detector.detect_showers` within one file (default:
        the cores shared among the local jobs; 1 on a cluster).
    params : DetectionParams, optional
        The detector's tuning; its defaults when omitted.

    Returns
    -------
    list of FileResult
        One per input, in input order; ``showers`` is the number of candidates.

    Raises
    ------
    ShowerMaskError
        ``output`` given with more than one input.
    """
    paths = _paths(inputs, client, output=output)
    jobs = _jobs(jobs, len(paths))
    if threads is None:
        threads = 1 if client is not None else max(1, default_jobs() // jobs)
    one = [(p, _path(output, client), accept, overwrite, threads, params) for p in paths]
    return _run(detect_one, one, jobs, client, progress)


def _path(path: PathLike | None, client: Any) -> Path | None:
    """Return a path as given, or absolute for a cluster (its workers have their own cwd)."""
    if path is None:
        return None
    return Path(os.path.abspath(path)) if client is not None else Path(path)


def _paths(inputs: Iterable[PathLike], client: Any, **single: PathLike | None) -> list[Path]:
    paths = [Path(p) for p in inputs]
    for name, value in single.items():
        if value is not None and len(paths) != 1:
            raise ShowerMaskError(f"{name} can be given with one input only ({len(paths)} given)")
    return [_path(p, client) or p for p in paths]


class _Inputs:
    """A batch's products, found by path or by identity (a link to one is that one)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.named: dict[str, Path] = {}
        self.files: dict[tuple[int, int], Path] = {}
        for path in paths:
            self.named.setdefault(os.path.realpath(path), path)
            with contextlib.suppress(OSError):
                info = os.stat(path)
                self.files.setdefault((info.st_dev, info.st_ino), path)

    def at(self, output: Path) -> tuple[Path, ...]:
        """Return the products that are ``output`` (for its task to refuse, at its time)."""
        found = {self.named.get(os.path.realpath(output))}
        with contextlib.suppress(OSError):
            info = os.stat(output)
            found.add(self.files.get((info.st_dev, info.st_ino)))
        return tuple(p for p in found if p is not None)


def _jobs(jobs: int | None, files: int) -> int:
    jobs = default_jobs() if jobs is None else int(jobs)
    if jobs < 1:
        raise ShowerMaskError(f"jobs must be at least 1 (got {jobs})")
    return max(1, min(jobs, files))


def _run(
    task: Callable[..., FileResult],
    calls: Sequence[tuple[Any, ...]],
    jobs: int | None,
    client: Any,
    progress: Progress | None,
) -> list[FileResult]:
    """Run ``task(*call)`` for each call, in order of completion; results in call order."""
    results: list[FileResult | None] = [None] * len(calls)
    sizes = [size_of(call[0]) for call in calls]
    start = time.perf_counter()
    state = {"done": 0, "failed": 0, "nbytes": 0}

    def finished(n: int, result: FileResult) -> None:
        results[n] = result
        state["done"] += 1
        state["failed"] += not result.ok
        state["nbytes"] += sizes[n]
        if progress is not None:
            elapsed = time.perf_counter() - start
            progress(
                BatchProgress(
                    state["done"],
                    state["failed"],
                    len(calls),
                    state["nbytes"],
                    sum(sizes),
                    elapsed,
                    result,
                )
            )

    def failed(n: int, exc: BaseException) -> FileResult:
        return failed_result(calls[n][0], exc)

    if client is not None:  # a task cancelled while it runs must not publish: claims
        outputs = [output_of(task, call) for call in calls]
        claims = claims_directory(outputs)

        def cancelled(pending: list[int]) -> list[int]:
            publishing = set(cancel(claims, [outputs[n] for n in pending]))
            return [n for n in pending if outputs[n] in publishing]

        try:
            claimed = [(*call, None, claims) for call in calls]
            on_cluster(task, claimed, client, finished, failed, cancelled)
        finally:
            remove_claims(claims)
    elif _jobs(jobs, len(calls)) == 1:
        for n, call in enumerate(calls):
            finished(n, task(*call))
    else:
        # imported once, before the workers start: forked workers (Linux) begin with
        # astropy and stdatamodels loaded instead of each importing them again (and the
        # files left when no worker can start are done here without importing anything)
        from napari_showermask.pipeline import task as tasks  # noqa: F401

        if task is apply_one:
            from napari_showermask.io import masked as writer  # noqa: F401
        # a file lost with a worker may have been published by it before it died: the
        # journal tells; otherwise the retry decides again what it may replace, as the
        # first attempt did (never what exists now, without overwrite)
        temporary = tempfile.TemporaryDirectory
        with temporary(prefix="showermask-batch-", ignore_cleanup_errors=True) as directory:
            journal = Path(directory)
            recorded = [(*call, journal) for call in calls]

            def recovered(n: int) -> FileResult | None:
                output = output_of(task, calls[n])
                count = published_by(journal, output)
                if count is None:
                    return None
                return FileResult(calls[n][0], output, showers=count, nbytes=sizes[n])

            try:
                in_processes(task, recorded, _jobs(jobs, len(calls)), finished, failed, recovered)
            except OSError as exc:  # no worker could start: too many files, processes
                if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.EAGAIN, errno.ENOMEM):
                    raise
                for n, call in enumerate(recorded):  # the files left, here, one by one
                    if results[n] is None:
                        finished(n, recovered(n) or task(*call))
            except BaseException:  # Ctrl-C: the workers are stopped; report what they wrote
                for n in range(len(calls)):
                    result = None if results[n] is not None else recovered(n)
                    if result is not None:
                        finished(n, result)
                raise
    return [r for r in results if r is not None]
