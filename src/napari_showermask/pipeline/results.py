"""What a batch reports: each file's result, and the progress after each file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["BatchProgress", "FileResult"]


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file.

    Attributes
    ----------
    input : pathlib.Path
    output : pathlib.Path or None
        The file written (masked product or catalog); None when it failed.
    error : str or None
        One line ``<file>: <reason>`` when it failed.
    showers : int
        Showers masked (apply) or found (detect).
    nbytes : int
        Size of the input file.
    """

    input: Path
    output: Path | None = None
    error: str | None = None
    showers: int = 0
    nbytes: int = 0

    @property
    def ok(self) -> bool:
        """True when the file was done."""
        return self.error is None


@dataclass(frozen=True)
class BatchProgress:
    """Progress of a batch, given to the callback after each file.

    Attributes
    ----------
    done, failed, total : int
        Files finished (including failed ones), failed, and in the batch.
    nbytes_done, nbytes_total : int
        Bytes of input finished and in the batch.
    elapsed : float
        Seconds since the batch started.
    last : FileResult
        The file that just finished.
    """

    done: int
    failed: int
    total: int
    nbytes_done: int
    nbytes_total: int
    elapsed: float
    last: FileResult

    @property
    def bytes_per_second(self) -> float:
        """Input bytes finished per second of wall time."""
        return self.nbytes_done / self.elapsed if self.elapsed > 0 else 0.0
