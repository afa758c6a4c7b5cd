"""Before/after rate images of a product's integrations, for the viewer and the report.

`RatePreview` answers, for the integration on screen, what the rate of the file is as it
is (``before``) and what it will be once the marked showers are masked (``after``),
without writing anything: the showers are applied in memory on a copy of the DQ box they
touch (`napari_showermask.fit.ratefit.RampFitter`), and when they change only the pixels whose
first masked group changed are refitted, from the groups before it. Error images are
computed only when asked for (their Poisson part costs more than the rates). Qt-free and
thread-safe: a GUI calls it from a worker with ``progress`` and ``cancel`` callbacks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Generator, Iterable

import numpy as np

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.onsets import onset_in_box
from napari_showermask.core.products import Product, is_gzip, open_product
from napari_showermask.core.shower import Shower
from napari_showermask.fit.processes import fit_in_processes
from napari_showermask.fit.ratefit import DEFAULT_GAIN, DEFAULT_READNOISE, Box, Engine, RampFitter

__all__ = ["PreviewCancelled", "RatePreview"]

Progress = Callable[[int, int], None]
_NONE = np.iinfo(np.int64).max  # "no shower covers this pixel"
Cancel = Callable[[], bool]


class PreviewCancelled(Exception):
    """Raised when the ``cancel`` callback of a long fit returns True."""


class RatePreview:
    """Lazily fitted before/after rate images (DN/s) of a ramp, rateints or rate product.

    ``before`` reads one integration in blocks of rows and keeps its rate; ``after``
    starts from it and refits only the boxes of showers that changed since the last call
    for that integration. Rate and rateints products have no ramp: their preview is
    ``SCI`` with NaN where DQ has DO_NOT_USE (after: also where showers mask it).

    Parameters
    ----------
    product : Product or str or path-like
        An open product (left open) or a path (opened here, closed by `close`).
    gain, readnoise : float or numpy.ndarray
        e-/DN and DN for the difference of two reads, scalar or per pixel; they weight the
        fit and set the error bars (see `napari_showermask.fit.ratefit`).
    engine : {'auto', 'blocks', 'stcal', 'numpy'}
        ``'auto'`` (``'blocks'``): whole blocks of pixels at once, the same with or without
        jwst; ``'stcal'`` and ``'numpy'`` fit every pixel with stcal or the numpy
        transcription (see `napari_showermask.fit.engines`).
    rows_per_block : int
        Rows read and fitted at once by ``before`` (memory ~ ngroups x rows x nx x 5 bytes).
    workers : int
        Processes that fit ``before``'s blocks of a ramp at once (spawned for each first
        preview; each costs ~1-2 s to start). 1: all in this process.

    Examples
    --------
    >>> with RatePreview("x_jump.fits") as preview:  # doctest: +SKIP
    ...     before = preview.before(0, progress=lambda done, total: None)
    ...     after = preview.after(0, showers)
    ...     boxes = preview.refit(0, showers_after_an_edit)  # only these boxes changed
    """

    def __init__(
        self,
        product: Product | str | os.PathLike[str],
        *,
        gain: float | np.ndarray = DEFAULT_GAIN,
        readnoise: float | np.ndarray = DEFAULT_READNOISE,
        engine: Engine = "auto",
        rows_per_block: int = 64,
        workers: int = 1,
    ) -> None:
        self._own = not isinstance(product, Product)
        self.product: Product = product if isinstance(product, Product) else open_product(product)
        try:
            self.fitter = RampFitter(self.product, gain, readnoise, engine)
        except Exception:
            self.close()
            raise
        self.kind = self.product.kind
        self.rows_per_block = max(1, int(rows_per_block))
        self.workers = max(1, int(workers))
        self._fit_args = (gain, readnoise, self.fitter.engine)
        self._lock = threading.RLock()
        self._before: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}
        self._after: dict[int, tuple[frozenset[Shower], np.ndarray, np.ndarray | None]] = {}

    @property
    def engine(self) -> str:
        """``'blocks'``, ``'stcal'`` or ``'numpy'``: the fitter in use."""
        return str(self.fitter.engine)

    def before(
        self, integration: int, progress: Progress | None = None, cancel: Cancel | None = None
    ) -> np.ndarray:
        """Return the rate of one integration of the file as it is.

        Parameters
        ----------
        integration : int
            0-based (0 for rate products).
        progress : callable, optional
            Called as ``progress(rows_done, rows_total)`` after each block of rows.
        cancel : callable, optional
            Polled between blocks; when it returns True, `PreviewCancelled` is raised and
            nothing is kept.

        Returns
        -------
        numpy.ndarray
            ``(ny, nx)`` float32 DN/s (a copy).
        """
        return self._before_fit(integration, progress, cancel)[0].copy()

    def before_error(self, integration: int) -> np.ndarray:
        """Return the 1-sigma error of `before` (DN/s; NaN for rate products without ERR).

        The first call for a ramp's integration fits it again, with its Poisson variance.
        """
        err = self._before_fit(integration, errors=True)[1]
        assert err is not None
        return err.copy()

    def after(
        self,
        integration: int,
        showers: Iterable[Shower],
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> np.ndarray:
        """Return the rate of one integration with the showers masked (DN/s, a copy).

        Showers of other integrations are ignored (every shower applies to a rate
        product). See `refit` for what is recomputed.
        """
        self.refit(integration, showers, progress, cancel)
        with self._lock:
            return self._after[integration][1].copy()

    def after_error(self, integration: int, showers: Iterable[Shower]) -> np.ndarray:
        """Return the 1-sigma error of `after` (DN/s, a copy).

        The first call for an integration fits the pixels under its showers again, with
        their Poisson variance; later refits keep the error image up to date.
        """
        self.refit(integration, showers)
        with self._lock:
            shown, image, image_err = self._after[integration]
            if image_err is None:
                err = self._before_fit(integration, errors=True)[1]
                assert err is not None
                image_err, done = err.copy(), np.zeros(err.shape, bool)
                for box in [found[0] for s in shown if (found := shower_pixels(s, err.shape))]:
                    fit = (self._onsets(integration, box, shown) != _NONE) & ~done[box]
                    if fit.any():
                        fitted = self.fitter.fit_box(integration, box, shown, where=fit)[1]
                        image_err[box][fit] = fitted[fit]
                    done[box] |= fit
                self._after[integration] = (shown, image, image_err)
            return image_err.copy()

    def refit(
        self,
        integration: int,
        showers: Iterable[Shower],
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> list[Box]:
        """Bring the after-image of an integration up to date with a shower list.

        Only pixels whose first masked group changed since the last call for this
        integration (inside showers added, removed or edited) change: those no shower
        covers any more take the file's own rate back, the others are refitted with every
        shower that covers them applied.

        Returns
        -------
        list of (slice, slice)
            The bounding boxes of the changed showers (empty when nothing changed): no
            pixel outside them changed. ``progress(n, total)`` is called after each,
            ``cancel`` polled before each.
        """
        with self._lock:
            rate, err = self._before_fit(integration, progress, cancel)
            new = frozenset(self._own_showers(integration, showers))
            if integration in self._after:
                old, image, image_err = self._after[integration]
                image = image.copy()
            else:
                old, image, image_err = frozenset(), rate.copy(), err
            errors = err is not None and image_err is not None  # kept up to date once asked
            image_err = image_err.copy() if errors and image_err is not None else None
            boxes = [found[0] for s in old ^ new if (found := shower_pixels(s, rate.shape))]
            done = np.zeros(rate.shape, bool)
            for n, box in enumerate(boxes):
                if cancel is not None and cancel():
                    raise PreviewCancelled
                onset = self._onsets(integration, box, new)
                # a pixel's after-rate depends only on its first masked group
                moved = (onset != self._onsets(integration, box, old)) & ~done[box]
                back = moved & (onset == _NONE)  # no shower left there: the file's rate
                image[box][back] = rate[box][back]
                fit = moved & (onset != _NONE)
                if fit.any():
                    fitted = self.fitter.fit_box(integration, box, new, where=fit, errors=errors)
                    image[box][fit] = fitted[0][fit]
                if image_err is not None and err is not None:
                    image_err[box][back] = err[box][back]
                    if fit.any():
                        image_err[box][fit] = fitted[1][fit]
                done[box] |= moved
                if progress is not None:
                    progress(n + 1, len(boxes))
            self._after[integration] = (new, image, image_err)
            return boxes

    def contrast_limits(self, integration: int, k: float = 5.0) -> tuple[float, float]:
        """Return one contrast for before and after: median -/+ k robust sigma of before.

        The sigma is 1.4826 x the median absolute deviation of the finite rates, so stars
        and showers do not widen it; before and after shown with it compare at a glance.
        """
        rate = self._before_fit(integration)[0]
        finite = rate[np.isfinite(rate)]
        if finite.size == 0:
            return 0.0, 1.0
        median = float(np.median(finite))
        sigma = 1.4826 * float(np.median(np.abs(finite - median))) or 1.0
        return median - k * sigma, median + k * sigma

    def rates(
        self, integration: int, box: Box, showers: Iterable[Shower]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the before and after rates of one box (for the residual check).

        From the images when this integration's preview exists (the after-image is
        brought up to date with ``showers``), else fitted for the box alone.
        """
        with self._lock:
            if integration in self._before:
                self.refit(integration, showers)
                return self._before[integration][0][box], self._after[integration][1][box]
        before = self.fitter.fit_box(integration, box)[0]
        return before, self.fitter.fit_box(integration, box, showers)[0]

    def close(self) -> None:
        """Forget the cached images; close the product if this preview opened it."""
        self._before, self._after = {}, {}
        if self._own:
            self.product.close()

    def __enter__(self) -> RatePreview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _before_fit(
        self,
        integration: int,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        errors: bool = False,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the file's rate, and its error once asked for (free for rate products)."""
        self.fitter.check(integration)
        with self._lock:
            known = self._before.get(integration)
            if known is None or (errors and known[1] is None):
                errors = errors or self.kind != "ramp"
                ny, nx = self.product.image_shape
                step = self.rows_per_block if self.kind == "ramp" else ny
                rate = np.empty((ny, nx), np.float32)
                err = np.empty((ny, nx), np.float32)
                boxes = [(slice(r, min(r + step, ny)), slice(0, nx)) for r in range(0, ny, step)]
                blocks: Generator[tuple[Box, tuple[np.ndarray, np.ndarray]], None, None]
                on_disk = not self.product.in_memory and not is_gzip(self.product.path)
                if self.workers > 1 and len(boxes) > 1 and on_disk:
                    blocks = fit_in_processes(
                        self.product.path, self._fit_args, integration, boxes, self.workers, errors
                    )
                else:
                    blocks = (
                        (box, self.fitter.fit_box(integration, box, errors=errors))
                        for box in boxes
                    )
                done = 0
                try:
                    for box, (block_rate, block_err) in blocks:
                        rate[box], err[box] = block_rate, block_err
                        done += box[0].stop - box[0].start
                        if progress is not None:
                            progress(done, ny)
                        if cancel is not None and cancel() and done < ny:
                            raise PreviewCancelled
                finally:
                    blocks.close()
                self._before[integration] = (rate, err if errors else None)
            return self._before[integration]

    def _onsets(self, integration: int, box: Box, showers: Iterable[Shower]) -> np.ndarray:
        """Each box pixel's first masked group (0 for rate products), ``_NONE`` if none."""
        shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
        local = self.fitter.local_showers(integration, box, showers)
        return onset_in_box(local, shape, _NONE, use_group=self.kind == "ramp")

    def _own_showers(self, integration: int, showers: Iterable[Shower]) -> list[Shower]:
        if self.kind == "rate":
            return list(showers)
        return [s for s in showers if s.integration == integration]
