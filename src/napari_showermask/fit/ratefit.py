"""Fit boxes of a product's integrations the way jwst's ramp_fit does, lazily.

The fit is jwst's ``OLS_C`` ramp fit (`RampFitStep`'s default): segments break at
JUMP_DET, DO_NOT_USE and SATURATED groups are left out, one-good-group ramps are
suppressed, and for MIRI the leading and trailing groups that are DO_NOT_USE in every
pixel are discarded first (decided from the whole file, as jwst does, not from the box;
JUMP_DET is then cleared on the new first group, as stcal does). The engines that compute
it are in `napari_showermask.fit.engines`. Each integration is fitted on its own: jwst's
slopes do not depend on the other integrations (only the Poisson part of the error bar
does, through the median rate, which here is the integration's own).

Rate and rateints products have no ramp: their "fit" is ``SCI`` itself with NaN where the
DQ plane has DO_NOT_USE. Showers are applied in memory with
`napari_showermask.core.masking.mask_array` on a copy of the DQ box; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from napari_showermask.core.boxes import BandReader
from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, PIXEL_DO_NOT_USE
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.masking import mask_array
from napari_showermask.core.onsets import onset_in_box
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.fit.engines import (
    DEFAULT_GAIN,
    DEFAULT_READNOISE,
    Engine,
    RampTiming,
    fit_integration,
    stcal_available,
)

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_READNOISE",
    "Box",
    "Engine",
    "RampFitter",
    "RampTiming",
    "fit_integration",
    "stcal_available",
]

Box = tuple[slice, slice]


@dataclass
class RampFitter:
    """Fit boxes of a product's integrations, with showers applied in memory.

    Parameters
    ----------
    product : Product
        Open product (ramp, rateints or rate); read only through `Product.read`.
    gain, readnoise : float or numpy.ndarray
        See `fit_integration`; arrays have the image's shape.
    engine : {'auto', 'blocks', 'stcal', 'numpy'}
        See `napari_showermask.fit.engines`; ``'auto'`` is ``'blocks'``.
    """

    product: Product
    gain: float | np.ndarray = DEFAULT_GAIN
    readnoise: float | np.ndarray = DEFAULT_READNOISE
    engine: Engine = "auto"
    timing: RampTiming | None = field(init=False, default=None)
    groups: slice = field(init=False, default_factory=lambda: slice(None))
    _bands: BandReader = field(init=False, repr=False)
    _pixeldq: np.ndarray | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.engine == "auto":
            self.engine = "blocks"
        shape = self.product.image_shape
        self.gain = np.broadcast_to(np.asarray(self.gain, np.float32), shape)
        self.readnoise = np.broadcast_to(np.asarray(self.readnoise, np.float32), shape)
        if self.product.kind == "ramp":
            self.timing = RampTiming.from_product(self.product)
            self.groups = self._kept_groups()
        self._bands = BandReader(self.product)

    def check(self, integration: int) -> None:
        """Raise `ShowerMaskError` for an integration outside the data."""
        if not 0 <= integration < self.product.nints:
            raise ShowerMaskError(
                f"{self.product.path}: integration {integration} is outside the data "
                f"({self.product.nints} integration(s))"
            )

    def fit_box(
        self,
        integration: int,
        box: Box,
        showers: Iterable[Shower] = (),
        where: np.ndarray | None = None,
        errors: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fit one box of one integration with showers masked in memory.

        Parameters
        ----------
        integration : int
        box : (slice, slice)
            Rows and columns; clipped to the image.
        showers : iterable of Shower
            Showers in image coordinates; those of other integrations (ramps, rateints)
            and those that cover no pixel of the box are ignored.
        where : numpy.ndarray of bool, optional
            Fit only these pixels of the box (others are NaN). When every one of them is
            masked, only the groups before the latest of their first groups are read and
            fitted: the later ones are JUMP_DET for all of them, so the fit is the same.
        errors : bool
            False when only the rate is wanted (the error is then NaN for ramps).

        Returns
        -------
        (rate, err) : tuple of numpy.ndarray
            Rate and 1-sigma error in DN/s, the box's shape (err NaN for rate products
            without ``ERR``).
        """
        self.check(integration)
        kind = self.product.kind
        rows, cols = (range(n)[k] for k, n in zip(box, self.product.image_shape, strict=True))
        box = (slice(rows.start, rows.stop), slice(cols.start, cols.stop))
        shape = (len(rows), len(cols))
        where = np.ones(shape, bool) if where is None else where
        local = self.local_showers(integration, box, showers)
        stop = self.groups.stop if kind == "ramp" else None
        if kind == "ramp" and local:
            onset = onset_in_box(local, shape, self.product.ngroups)
            stop = min(stop, max(int(onset[where].max(initial=0)), self.groups.start + 2))
            local = [s for s in local if s.group < stop]
        lead = {"ramp": (integration, slice(0, stop)), "rateints": (integration,)}.get(kind, ())
        dq = self._bands.read(self.product.dq_name, lead + box)
        if local:
            dq = dq.copy()
            mask_array(dq if kind == "rate" else dq[None], local, kind)
        sci = self._bands.read("SCI", lead + box).astype(np.float32, copy=False)
        if kind != "ramp":
            err = self._optional("ERR", lead + box, np.full(sci.shape, np.nan, np.float32))
            bad = ((dq & PIXEL_DO_NOT_USE) != 0) | ~where
            return np.where(bad, np.nan, sci), np.where(bad, np.nan, err).astype(np.float32)
        kept = slice(self.groups.start, stop)
        every = bool(where.all())
        sci = sci[kept] if every else sci[kept][:, where]
        dq = dq[kept] if every else dq[kept][:, where]
        if self.groups.start:  # stcal clears JUMP_DET on the new first group
            dq[0] &= np.uint8(~JUMP_DET & 0xFF)  # (in place: the arrays read are ours)
        if self._pixeldq is None:  # 4 bytes a pixel, read once
            default = np.zeros(self.product.image_shape, np.uint32)
            self._pixeldq = self._optional("PIXELDQ", (), default).astype(np.uint32)
        assert self.timing is not None

        def pick(values: np.ndarray) -> np.ndarray:
            return np.asarray(values[box] if every else values[box][where])

        fitted = fit_integration(
            sci,
            dq,
            pick(self._pixeldq),
            self.timing,
            pick(np.asarray(self.gain)),
            pick(np.asarray(self.readnoise)),
            self.engine,
            errors,
        )
        if every:
            return fitted.rate, fitted.err
        rate, err = np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
        rate[where], err[where] = fitted.rate, fitted.err
        return rate, err

    def local_showers(self, integration: int, box: Box, showers: Iterable[Shower]) -> list[Shower]:
        """Return the showers that cover pixels of the box, moved into its coordinates."""
        (rows, cols), local = box, []
        shape = (rows.stop - rows.start, cols.stop - cols.start)
        for s in showers:
            if self.product.kind != "rate" and s.integration != integration:
                continue
            moved = s.moved(x=s.x - cols.start, y=s.y - rows.start, integration=0)
            if shower_pixels(moved, shape) is not None:
                local.append(moved)
        return local

    def _optional(self, extname: str, key: tuple[Any, ...], default: np.ndarray) -> np.ndarray:
        try:
            return self.product.read(extname, key)
        except KeyError:
            return default

    def _kept_groups(self) -> slice:
        """Return the groups jwst keeps: MIRI drops groups DO_NOT_USE in every pixel."""
        ngroups = self.product.ngroups
        if self.timing is None or self.timing.instrument != "MIRI" or ngroups < 2:
            return slice(0, ngroups)

        def all_dnu(group: int) -> bool:
            return bool(np.all(self.product.read("GROUPDQ", (slice(None), group)) & DO_NOT_USE))

        first = 0
        while first < ngroups and all_dnu(first):
            first += 1
        last = ngroups - 1 if first < ngroups - 1 and all_dnu(ngroups - 1) else ngroups
        if last - first < 2:
            raise ShowerMaskError(f"{self.product.path}: fewer than 2 usable groups: no ramp")
        return slice(first, last)
