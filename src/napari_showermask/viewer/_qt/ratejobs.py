"""Rate preview jobs (run in a worker): fit or refit an integration; check the residuals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.shower import Shower
from napari_showermask.fit.preview import PreviewCancelled, RatePreview
from napari_showermask.fit.ratefit import Box
from napari_showermask.fit.residuals import ShowerResidual, shower_residuals


@dataclass(frozen=True)
class PreviewFit:
    """What one preview job computed for one integration.

    Attributes
    ----------
    integration : int
    showers : tuple of Shower
        The marked showers the after-image was fitted with.
    before, after : numpy.ndarray
        ``(ny, nx)`` DN/s, the file as it is and with the showers masked in memory.
    limits : (float, float)
        One contrast for both (`RatePreview.contrast_limits`).
    boxes : list of (slice, slice)
        The boxes refitted by this job (`RatePreview.refit`); nothing outside changed.
    """

    integration: int
    showers: tuple[Shower, ...]
    before: np.ndarray
    after: np.ndarray
    limits: tuple[float, float]
    boxes: list[Box]


class PreviewFailed(str):
    """The one-line error message of a preview job that failed (names the file)."""


def compute_preview(
    job: dict[str, Any],
    path: Path,
    integration: int,
    showers: tuple[Shower, ...],
    options: dict[str, Any],
    progress: Callable[[float], None],
) -> PreviewFit | PreviewFailed | None:
    """Fit (first time) or refit (changed showers only) one integration; run in a worker.

    ``job['preview']`` is the `RatePreview` to use (opened here when None, and left there
    for the caller); ``job['cancel']`` a `threading.Event`. Returns None when cancelled,
    a `PreviewFailed` on errors.
    """
    cancel = job["cancel"].is_set
    try:
        if job["preview"] is None:
            job["preview"] = RatePreview(path, **options)
        preview: RatePreview = job["preview"]
        preview.before(integration, lambda done, total: progress(0.9 * done / total), cancel)
        boxes = preview.refit(integration, showers, cancel=cancel)
        before, after = preview.before(integration), preview.after(integration, showers)
    except PreviewCancelled:
        return None
    except Exception as exc:  # the panel shows one line (the worker would re-raise it)
        return _failed(path, exc)
    progress(1.0)
    limits = preview.contrast_limits(integration)
    return PreviewFit(integration, showers, before, after, limits, boxes)


def compute_residuals(
    job: dict[str, Any], showers: tuple[Shower, ...], progress: Callable[[float], None]
) -> list[ShowerResidual] | PreviewFailed:
    """Check every marked shower (`shower_residuals`) with ``job['preview']``; in a worker.

    Run after `compute_preview` with the same showers: the after-images are up to date, so
    only the residual boxes are read. A separate job, so the image is shown first.
    """
    preview: RatePreview = job["preview"]
    try:
        return shower_residuals(preview, showers)
    except Exception as exc:
        return _failed(preview.product.path, exc)


def _failed(path: Path, exc: Exception) -> PreviewFailed:
    first = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, ShowerMaskError):
        return PreviewFailed(first)  # names the file already
    return PreviewFailed(f"{path}: {type(exc).__name__}: {first}")
