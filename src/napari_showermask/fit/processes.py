"""Fit blocks of one integration in worker processes (spawned, so safe under Qt)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Generator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from napari_showermask.core.products import open_product
from napari_showermask.fit.ratefit import Box, RampFitter

__all__ = ["fit_in_processes"]

_FITTER: list[RampFitter] = []  # the worker's own fitter, over its own open product


def _start(path: str, gain: object, readnoise: object, engine: str) -> None:
    _FITTER.append(RampFitter(open_product(path), gain, readnoise, engine))  # type: ignore[arg-type]


def _fit(integration: int, box: Box, errors: bool) -> tuple[Box, tuple[np.ndarray, np.ndarray]]:
    return box, _FITTER[0].fit_box(integration, box, errors=errors)


def fit_in_processes(
    path: str | os.PathLike[str],
    fit_args: tuple[object, object, str],
    integration: int,
    boxes: Sequence[Box],
    workers: int,
    errors: bool = True,
) -> Generator[tuple[Box, tuple[np.ndarray, np.ndarray]], None, None]:
    """Yield ``(box, (rate, err))`` as worker processes finish fitting the boxes.

    Parameters
    ----------
    path : str or path-like
        The product; each worker opens it once.
    fit_args : tuple
        ``(gain, readnoise, engine)`` for `RampFitter`.
    integration : int
    boxes : sequence of (slice, slice)
    workers : int
        Processes to start.
    errors : bool
        False: rates only (errors NaN), see `RampFitter.fit_box`.

    Yields
    ------
    (box, (rate, err))
        In the order they finish. Closing the generator (a cancel) drops the boxes not
        started and does not wait for the running ones.
    """
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(str(path), *fit_args)
    )
    try:
        futures = [pool.submit(_fit, integration, box, errors) for box in boxes]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
