"""What a realistic scene holds, per shower and per pixel: onsets, rate bias, affected pixels.

The rate bias of a pixel is the slope jwst's ramp fit would find in the shower's own
signal alone (`ols_bias`): what the shower adds to the pixel's rate. "Affected" pixels are
those with ``|bias| > AFFECTED`` (0.1 DN/s; domain notes, "What matters is the rate").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED
from napari_showermask.core.shower import Shower
from napari_showermask.synthetic.detector_effects import CosmicRay
from napari_showermask.synthetic.glow import Box, ShowerLight
from napari_showermask.synthetic.population import ShowerDraw
from napari_showermask.synthetic.sources import StaticSource

__all__ = ["AFFECTED", "Appearance", "RealisticTruth", "ols_bias"]

AFFECTED = 0.1  # DN/s


def ols_bias(
    signal: npt.NDArray[np.floating], groupdq: npt.NDArray[np.integer], group_time: float
) -> npt.NDArray[np.float64]:
    """Return the slope jwst's ramp fit sees in a signal, per pixel, DN/s.

    As stcal's OLS fit: groups flagged ``DO_NOT_USE`` or ``SATURATED`` are left out; a
    group flagged ``JUMP_DET`` begins a new segment; each segment of at least two groups
    gets its least-squares slope, and the segments are averaged with the read-noise-limited
    weights ``n (n**2 - 1)``. Within a segment the fit is unweighted (stcal weights the ends
    more only at high signal-to-noise, which a shower alone never has). Pixels with no
    segment of two groups get 0 (the fit drops them).

    Parameters
    ----------
    signal : numpy.ndarray
        ``(ngroups, ...)`` accumulated charge at each read, DN.
    groupdq : numpy.ndarray
        ``(ngroups, ...)`` the ramp's GROUPDQ for the same pixels.
    group_time : float
        Seconds per group.

    Returns
    -------
    numpy.ndarray
        Shape ``signal.shape[1:]``, float64.
    """
    values = np.asarray(signal, dtype=np.float64)
    usable = (groupdq & (DO_NOT_USE | SATURATED)) == 0
    segment = np.cumsum((groupdq & JUMP_DET) != 0, axis=0)
    t = (np.arange(values.shape[0], dtype=np.float64) * group_time).reshape(
        (-1,) + (1,) * (values.ndim - 1)
    )
    total = np.zeros(values.shape[1:])
    weights = np.zeros(values.shape[1:])
    for s in range(int(segment.max(initial=0)) + 1):
        m = (usable & (segment == s)).astype(np.float64)
        n = m.sum(axis=0)
        st, ss = (t * m).sum(axis=0), (values * m).sum(axis=0)
        stt, sts = (t * t * m).sum(axis=0), (t * values * m).sum(axis=0)
        den = n * stt - st**2
        ok = (n >= 2) & (den > 0)
        slope = np.where(ok, (n * sts - st * ss) / np.where(ok, den, 1.0), 0.0)
        weight = np.where(ok, n * (n * n - 1), 0.0)
        total += weight * slope
        weights += weight
    return np.asarray(np.where(weights > 0, total / np.maximum(weights, 1e-300), 0.0))


@dataclass(frozen=True)
class Appearance:
    """One shower as one integration sees it.

    Attributes
    ----------
    shower : int
        Index of the shower in the scene (one shower may appear in several integrations).
    integration, group : int
        The integration and the first group holding its charge (0 when it began earlier).
    kind : str
        ``"onset"`` (begins at group >= 1: a visible start), ``"idle"`` (began during the
        idle time or a reset, or before the first read: glowing at group 0) or
        ``"carried"`` (began in an earlier integration and outlived the reset).
    peak : float
        The shower's glow rate at onset at its brightest pixel, DN/s.
    peak_here : float
        Its glow rate at its brightest pixel when its charge in this integration begins.
    lobes : tuple of Shower
        One ellipse per lobe, at twice the lobe's scale lengths (about where the glow falls
        to a third of the lobe's peak), with this integration and group.
    light : ShowerLight
        Its glow and flash profiles and their box ``(y0, y1, x0, x1)`` in the scene.
    glow_curve, flash_curve : numpy.ndarray
        ``(ngroups,)``: the charge (DN) each profile, scaled to 1 at its peak, holds at
        each read of this integration.
    bias : numpy.ndarray
        ``(y1 - y0, x1 - x0)`` float32, its rate bias alone in the box, DN/s.
    """

    shower: int
    integration: int
    group: int
    kind: str
    peak: float
    peak_here: float
    lobes: tuple[Shower, ...]
    light: ShowerLight
    glow_curve: npt.NDArray[np.float64]
    flash_curve: npt.NDArray[np.float64]
    bias: npt.NDArray[np.float32]

    @property
    def box(self) -> Box:
        """``(y0, y1, x0, x1)`` of the scene holding all of its light."""
        return self.light.box

    @property
    def footprint(self) -> npt.NDArray[np.bool_]:
        """Pixels of the box receiving any of its charge in this integration."""
        glow = (self.light.glow > 0) & bool(self.glow_curve.any())
        return np.asarray(glow | ((self.light.flash > 0) & bool(self.flash_curve.any())))

    def signal(self) -> npt.NDArray[np.float64]:
        """Its accumulated charge at each read over its box, ``(ngroups, h, w)`` DN."""
        glow = self.glow_curve[:, None, None] * self.light.glow
        return np.asarray(glow + self.flash_curve[:, None, None] * self.light.flash)

    @property
    def affected(self) -> npt.NDArray[np.bool_]:
        """Pixels of the box its own signal biases by more than `AFFECTED`."""
        return np.asarray(np.abs(self.bias) > AFFECTED)


@dataclass(frozen=True)
class RealisticTruth:
    """Everything put into a realistic scene.

    Attributes
    ----------
    appearances : list of Appearance
    onset : numpy.ndarray
        ``(nints, ny, nx)`` int16: the first group with shower charge, -1 where none.
    bias : numpy.ndarray
        ``(nints, ny, nx)`` float32: rate bias of all showers together, DN/s.
    sources : list of StaticSource
    cosmic_rays : list of CosmicRay
    rate : numpy.ndarray
        ``(ny, nx)`` float32, the static rate (background and sources), DN/s.
    showers : list of ShowerDraw
        The showers as drawn (`napari_showermask.synthetic.population`), with those that
        never reach the scene.
    """

    appearances: list[Appearance]
    onset: npt.NDArray[np.int16]
    bias: npt.NDArray[np.float32]
    sources: list[StaticSource]
    cosmic_rays: list[CosmicRay]
    rate: npt.NDArray[np.float32]
    showers: list[ShowerDraw] = field(default_factory=list, repr=False)

    def shower_signal(self, integration: int, ngroups: int) -> npt.NDArray[np.float32]:
        """Return the showers' own charge in one integration, ``(ngroups, ny, nx)``, DN.

        The primary hits are not in it (they are cosmic rays, flagged ``JUMP_DET``).
        Subtracted from that integration's SCI, it gives the same ramp without showers
        (same noise, same DQ).
        """
        cube = np.zeros((ngroups, *self.rate.shape), np.float32)
        for a in self.appearances:
            if a.integration == integration:
                y0, y1, x0, x1 = a.box
                cube[:, y0:y1, x0:x1] += a.signal().astype(np.float32)
        return cube

    @property
    def affected(self) -> npt.NDArray[np.bool_]:
        """``(nints, ny, nx)``: pixels whose rate the showers bias by more than `AFFECTED`."""
        return np.asarray(np.abs(self.bias) > AFFECTED)

    def catalog(self) -> list[Shower]:
        """Every appearance's lobes as one catalog, with ``appearance`` and ``peak`` extras."""
        return [lobe for a in self.appearances for lobe in a.lobes]
