"""What a batch's worker runs for one file, and what each of those tasks writes.

A task never raises for a bad file: it returns a `FileResult` whose one-line ``error``
names the file. In a local pool it notes what it publishes in the batch's journal
(`napari_showermask.pipeline.journal`); on a cluster it publishes only once it has
claimed its output (`napari_showermask.pipeline.claims`), so a cancelled batch leaves
nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from napari_showermask.pipeline.claims import claiming
from napari_showermask.pipeline.journal import noting
from napari_showermask.pipeline.pool import exit_if_interrupted, worker_task
from napari_showermask.pipeline.results import FileResult

if TYPE_CHECKING:
    from napari_showermask.detect.params import DetectionParams

__all__ = ["apply_one", "detect_one", "failed_result", "output_of", "size_of"]


def size_of(path: Path) -> int:
    """Return a file's size in bytes, 0 if it cannot be had."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def failed_result(path: Path, exc: BaseException) -> FileResult:
    """Return a failed result whose one-line error names the file."""
    from napari_showermask.pipeline.task import error_line

    return FileResult(path, error=error_line(path, exc), nbytes=size_of(path))


def _run(
    path: Path, journal: Path | None, claims: Path | None, task: Callable[..., tuple[Path, int]]
) -> FileResult:
    """Run one file's task in a worker: its journal, its claims, one line if it fails."""
    try:
        with worker_task(), noting(journal) as counted, claiming(claims):
            written, count = task(counted=counted)
    except Exception as exc:  # one line per bad file; the batch goes on
        return failed_result(path, exc)
    except KeyboardInterrupt as exc:  # its partial output is already removed
        exit_if_interrupted(exc)
    return FileResult(path, written, showers=count, nbytes=size_of(path))


def apply_one(
    path: Path,
    catalog: Path | None,
    output: Path | None,
    overwrite: bool,
    others: tuple[Path, ...] = (),
    journal: Path | None = None,
    claims: Path | None = None,
) -> FileResult:
    """Apply one file's catalog (the task run by a worker); ``others``: the batch's products."""
    from napari_showermask.pipeline.task import apply_file

    task = partial(apply_file, path, catalog, output, overwrite, others)
    return _run(path, journal, claims, task)


def detect_one(
    path: Path,
    output: Path | None,
    accept: bool,
    overwrite: bool,
    threads: int,
    params: DetectionParams | None = None,
    journal: Path | None = None,
    claims: Path | None = None,
) -> FileResult:
    """Detect showers in one file and write its catalog (the task run by a worker)."""
    from napari_showermask.pipeline.task import detect_file

    task = partial(detect_file, path, output, accept, overwrite, threads, params)
    return _run(path, journal, claims, task)


def output_of(task: Callable[..., FileResult], call: tuple[Any, ...]) -> Path:
    """Return the file a task writes (calls hold path, ..., overwrite at index 3, ...)."""
    from napari_showermask.io.masked import default_output
    from napari_showermask.io.paths import candidates_path, sidecar_path

    if task is apply_one:
        return Path(call[2] or default_output(call[0]))
    path, output, accept = call[:3]
    return Path(output or (sidecar_path(path) if accept else candidates_path(path)))
