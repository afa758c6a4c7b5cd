"""Fit one integration's ramps with a chosen engine: jwst's ``OLS_C`` result every time.

Engines:

- ``'blocks'`` (what ``'auto'`` means): `napari_showermask.fit.olsblock`, vectorised over
  the pixels that share a segment layout; the pixels of rare layouts go to stcal's C
  fitter when it is installed, else to the numpy transcription;
- ``'stcal'``: stcal's C fitter for every pixel (``stcal.ramp_fitting``, installed with
  jwst): the reference;
- ``'numpy'``: `napari_showermask.fit.numpy_ols` for every pixel (slow; a reference
  without jwst).

Gain and read noise only weight the fit and set its error bars; they default to the values
of the synthetic MIRI ramps (`napari_showermask.synthetic.demo`: 3.1 e-/DN; 14.1 DN for the
difference of two reads, the form jwst's read-noise reference files use) and can be given
per pixel (e.g. from CRDS reference files).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import Product
from napari_showermask.fit.numpy_ols import RampFit, ols_fit
from napari_showermask.fit.olsblock import fit_block

__all__ = [
    "DEFAULT_GAIN",
    "DEFAULT_READNOISE",
    "Engine",
    "RampTiming",
    "fit_integration",
    "stcal_available",
]

Engine = Literal["auto", "blocks", "stcal", "numpy"]

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
    errors: bool = True,
) -> RampFit:
    """Fit the ramps of one integration (or a box of it) as jwst's OLS ramp fit does.

    Parameters
    ----------
    sci : numpy.ndarray
        ``(ngroups, ...)`` DN, already cut to the groups jwst keeps (MIRI discard).
    groupdq : numpy.ndarray
        ``(ngroups, ...)`` uint8; not modified.
    pixeldq : numpy.ndarray
        ``(...)`` unsigned.
    timing : RampTiming
    gain : float or numpy.ndarray
        e-/DN, scalar or the shape of a group.
    readnoise : float or numpy.ndarray
        DN for the difference of two reads (jwst's read-noise reference), scalar or the
        shape of a group.
    engine : {'auto', 'blocks', 'stcal', 'numpy'}
        See the module's docstring.
    errors : bool
        False: only the rate and the read-noise variance are needed (``'blocks'`` then
        skips the Poisson variance and leaves it and ``err`` NaN).

    Returns
    -------
    RampFit
        Arrays of a group's shape, float32.
    """
    shape = sci.shape[1:]
    npix = int(np.prod(shape))
    data = np.asarray(sci, np.float32).reshape(sci.shape[0], npix)
    gdq = np.asarray(groupdq, np.uint8).reshape(data.shape)
    pdq = np.broadcast_to(np.asarray(pixeldq, np.uint32), shape).reshape(npix)
    gain1d = np.broadcast_to(np.asarray(gain, np.float32), shape).reshape(npix)
    rn_dn = np.broadcast_to(np.asarray(readnoise, np.float32), shape).reshape(npix)
    rn_e = rn_dn.copy()
    rn_e *= gain1d / np.sqrt(2.0 * timing.nframes)  # as stcal scales it, in float32
    if engine == "stcal":
        fit = _stcal_fit(data, gdq, pdq, rn_e, gain1d, timing.group_time, timing=timing)
    elif engine == "numpy":
        fit = ols_fit(data, gdq, pdq, rn_e, gain1d, timing.group_time)
    else:
        rest = partial(_stcal_or_numpy, timing=timing)
        fit = fit_block(data, gdq, pdq, rn_e, gain1d, timing.group_time, errors=errors, rest=rest)
    return RampFit(*(np.asarray(a, np.float32).reshape(shape) for a in fit))


def _stcal_or_numpy(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    rnoise: np.ndarray,
    gain: np.ndarray,
    group_time: float,
    *,
    timing: RampTiming,
) -> RampFit:
    """Fit with stcal when it is installed, else in numpy (stcal is imported only now)."""
    if stcal_available():
        return _stcal_fit(data, groupdq, pixeldq, rnoise, gain, group_time, timing=timing)
    return ols_fit(data, groupdq, pixeldq, rnoise, gain, group_time)


def _stcal_fit(
    data: np.ndarray,
    groupdq: np.ndarray,
    pixeldq: np.ndarray,
    rnoise: np.ndarray,
    gain: np.ndarray,
    group_time: float,
    *,
    timing: RampTiming,
) -> RampFit:
    """Fit with stcal's ``OLS_C`` ``(ngroups, npixels)`` ramps (read noise in electrons)."""
    from stcal.ramp_fitting.ols_fit import ols_ramp_fit_multi
    from stcal.ramp_fitting.ramp_fit import suppress_one_good_group_ramps
    from stcal.ramp_fitting.ramp_fit_class import RampData

    npix = data.shape[1]
    gdq = np.array(groupdq, np.uint8)[None, :, None]  # stcal edits it (one-group suppression)
    ramp = RampData()
    chargeloss = bool(np.any(gdq & dqflags.pixel["CHARGELOSS"]))
    ramp.set_arrays(
        np.ascontiguousarray(data, np.float32)[None, :, None],
        gdq,
        np.ascontiguousarray(pixeldq, np.uint32)[None],
        np.zeros((1, npix), np.float32),
        orig_gdq=gdq.copy() if chargeloss else None,
    )
    # "" and not "MIRI": the MIRI group discard was already decided from the whole file
    ramp.set_meta("", timing.frame_time, group_time, timing.groupgap, timing.nframes)
    ramp.drop_frames1 = timing.drop_frames1
    ramp.algorithm = "OLS_C"
    ramp.set_dqflags(dqflags.pixel)
    ramp.start_row, ramp.num_rows = 0, 1
    ramp.suppress_one_group_ramps = data.shape[0] > 1
    if ramp.suppress_one_group_ramps:  # what stcal's ramp_fit_data does before its OLS_C fit
        suppress_one_good_group_ramps(ramp)
    gain2d = np.asarray(gain, np.float32).reshape(1, npix)
    rn2d = np.asarray(rnoise, np.float32).reshape(1, npix)  # already scaled as stcal does
    _, integ, _ = ols_ramp_fit_multi(ramp, False, rn2d, gain2d, "optimal", "none")
    if integ is None:  # every pixel saturated from the first group
        nan = np.full(npix, np.nan, np.float32)
        return RampFit(nan, *(np.zeros(npix, np.float32) for _ in range(3)))
    keys = ("slope", "var_poisson", "var_rnoise", "err")
    return RampFit(*(np.asarray(integ[key][0, 0], np.float32) for key in keys))
