"""Fit the rate of one integration (or a box of it) the way jwst's ramp_fit does, lazily.

The fit is jwst's ``OLS_C`` ramp fit (`RampFitStep`'s default): segments break at
JUMP_DET, DO_NOT_USE and SATURATED groups are left out, one-good-group ramps are
suppressed, and for MIRI the leading and trailing groups that are DO_NOT_USE in every
pixel are discarded first (decided from the whole file, as jwst does, not from the box;
JUMP_DET is then cleared on the new first group, as stcal does). stcal's C fitter
(``stcal.ramp_fitting``) does the work when it is installed; otherwise
`napari_showermask.fit.numpy_ols` transcribes it in numpy. Each integration is fitted on its
own: jwst's slopes do not depend on the other integrations (only the Poisson part of the
error bar does, through the median rate, which here is the integration's own).

Gain and read noise only weight the fit and set its error bars; they default to the values
of the synthetic MIRI ramps (`napari_showermask.synthetic.demo`: 3.1 e-/DN; 14.1 DN for the
difference of two reads, the form jwst's read-noise reference files use) and can be given
per pixel (e.g. from CRDS reference files).

Rate and rateints products have no ramp: their "fit" is ``SCI`` itself with NaN where the
DQ plane has DO_NOT_USE. Showers are applied in memory with
`napari_showermask.core.masking.mask_array` on a copy of the DQ box; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.boxes import BandReader
from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, PIXEL_DO_NOT_USE
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import shower_pixels
from napari_showermask.core.masking import mask_array
from napari_showermask.core.onsets import onset_in_box
from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.fit.numpy_ols import ols_fit

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_READNOISE",
    "Box",
    "RampFitter",
    "RampTiming",
    "fit_integration",
    "stcal_available",
]

Box = tuple[slice, slice]
Engine = Literal["auto", "stcal", "numpy"]

DEFAULT_GAIN = 3.1  # e-/DN
DEFAULT_READNOISE = 10.0 * 2**0.5  # DN, difference of two reads (jwst's reference form)


def stcal_available() -> bool:
    """Return True when stcal's ramp fitting can be imported."""
    try:
        import stcal.ramp_fitting.ramp_fit  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class RampTiming:
    """The exposure facts ramp fitting needs (primary header keywords).

    Attributes
    ----------
    group_time, frame_time : float
        ``TGROUP``, ``TFRAME`` in seconds.
    nframes, groupgap, drop_frames1 : int
        ``NFRAMES`` (default 1), ``GROUPGAP`` (0), ``DRPFRMS1`` (0).
    instrument : str
        ``INSTRUME``.
    """

    group_time: float
    frame_time: float
    nframes: int = 1
    groupgap: int = 0
    drop_frames1: int = 0
    instrument: str = "MIRI"

    @classmethod
    def from_product(cls, product: Product) -> RampTiming:
        """Read a ramp's timing; raise `ShowerMaskError` when ``TGROUP`` is missing."""
        header = product.header
        if header.get("TGROUP") is None:
            raise ShowerMaskError(f"{product.path}: no TGROUP keyword: cannot fit the ramp")
        tgroup = float(header["TGROUP"])
        return cls(
            tgroup,
            float(header.get("TFRAME") or tgroup),
            int(header.get("NFRAMES") or 1),
            int(header.get("GROUPGAP") or 0),
            int(header.get("DRPFRMS1") or 0),
            str(header.get("INSTRUME", "")).strip().upper(),
        )


def fit_integration(
    sci: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    timing: RampTiming,
    gain: float | np.ndarray = DEFAULT_GAIN,
    readnoise: float | np.ndarray = DEFAULT_READNOISE,
    engine: Engine = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the rate of one integration (or a box of it) with jwst's OLS ramp fit.

    Parameters
    ----------
    sci : numpy.ndarray
        ``(ngroups, ny, nx)`` DN, already cut to the groups jwst keeps (MIRI discard).
    groupdq : numpy.ndarray
        ``(ngroups, ny, nx)`` uint8; not modified.
    pixeldq : numpy.ndarray
        ``(ny, nx)`` unsigned.
    timing : RampTiming
    gain : float or numpy.ndarray
        e-/DN, scalar or ``(ny, nx)``.
    readnoise : float or numpy.ndarray
        DN for the difference of two reads (jwst's read-noise reference), scalar or
        ``(ny, nx)``.
    engine : {'auto', 'stcal', 'numpy'}
        ``'auto'`` uses stcal when it is installed.

    Returns
    -------
    (rate, err) : tuple of numpy.ndarray
        ``(ny, nx)`` float32 in DN/s; NaN where jwst gives NaN.
    """
    shape = sci.shape[1:]
    gain2d = np.broadcast_to(np.asarray(gain, np.float32), shape).copy()
    rn2d = np.broadcast_to(np.asarray(readnoise, np.float32), shape).copy()
    if engine == "auto":
        engine = "stcal" if stcal_available() else "numpy"
    if engine == "numpy":
        rn_e = rn2d * gain2d / np.sqrt(2.0 * timing.nframes)  # as stcal scales it
        return ols_fit(sci, groupdq, pixeldq, rn_e, gain2d, timing.group_time)
    from stcal.ramp_fitting.ramp_fit import ramp_fit_data
    from stcal.ramp_fitting.ramp_fit_class import RampData

    data = np.ascontiguousarray(sci, np.float32)[None]
    gdq = np.array(groupdq, np.uint8)[None]  # stcal edits it (one-group suppression)
    ramp = RampData()
    chargeloss = bool(np.any(gdq & dqflags.pixel["CHARGELOSS"]))
    ramp.set_arrays(
        data,
        gdq,
        np.ascontiguousarray(pixeldq, np.uint32),
        np.zeros(shape, np.float32),
        orig_gdq=gdq.copy() if chargeloss else None,
    )
    # "" and not "MIRI": the MIRI group discard was already decided from the whole file
    ramp.set_meta("", timing.frame_time, timing.group_time, timing.groupgap, timing.nframes)
    ramp.drop_frames1 = timing.drop_frames1
    ramp.algorithm = "OLS_C"
    ramp.set_dqflags(dqflags.pixel)
    ramp.start_row, ramp.num_rows = 0, shape[0]
    ramp.suppress_one_group_ramps = data.shape[1] > 1
    _, integ, _ = ramp_fit_data(ramp, False, rn2d, gain2d, "OLS_C", "optimal", "none")
    if integ is None:  # every pixel saturated from the first group
        return np.full(shape, np.nan, np.float32), np.zeros(shape, np.float32)
    return integ["slope"][0].astype(np.float32), integ["err"][0].astype(np.float32)


@dataclass
class RampFitter:
    """Fit boxes of a product's integrations, with showers applied in memory.

    Parameters
    ----------
    product : Product
        Open product (ramp, rateints or rate); read only through `Product.read`.
    gain, readnoise : float or numpy.ndarray
        See `fit_integration`; arrays have the image's shape.
    engine : {'auto', 'stcal', 'numpy'}
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
            self.engine = "stcal" if stcal_available() else "numpy"
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
        sci, dq = sci[kept][:, where][:, None], np.array(dq[kept][:, where][:, None])
        if self.groups.start:  # stcal clears JUMP_DET on the new first group
            dq[0] &= np.uint8(~JUMP_DET & 0xFF)
        if self._pixeldq is None:  # 4 bytes a pixel, read once
            default = np.zeros(self.product.image_shape, np.uint32)
            self._pixeldq = self._optional("PIXELDQ", (), default).astype(np.uint32)
        pixeldq = self._pixeldq[box][where][None]
        assert self.timing is not None
        rate, err = np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
        gain = np.asarray(self.gain)[box][where][None]
        readnoise = np.asarray(self.readnoise)[box][where][None]
        fitted = fit_integration(sci, dq, pixeldq, self.timing, gain, readnoise, self.engine)
        rate[where], err[where] = (np.asarray(a)[0] for a in fitted)
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
