"""Residual check per marked shower: is its glow gone from the rate once it is masked.

For each shower the rate of its integration is fitted (`napari_showermask.fit.ratefit`) in a
box around it, for the file as it is (*before*) and with every shower of the catalog masked
in memory (*after*). Three pixel sets are compared with a local background:

- *inside*: the ellipse's pixels;
- *ring*: pixels within ``ring_width`` pixels outside the ellipse (the ellipse with both
  semi-axes grown by ``ring_width``, minus the ellipse);
- *background*: an annulus beyond the ring (semi-axes grown by ``ring_width + gap`` to
  ``ring_width + gap + background_width``).
Pixels of other showers of the same integration (grown by ``ring_width``) and NaN rates are
left out. An *excess* is the median rate of a set minus the median of the background, in
DN/s; its significance (sigma) divides it by the standard errors of both medians, taken
from their own scatter (1.2533 x 1.4826 x MAD / sqrt(n)), so it holds whatever the noise.

A shower is flagged

- ``check: glow outside the ellipse`` when the ring's after-excess is above ``threshold``
  sigma (the ellipse is too small);
- ``check: starts earlier`` when the inside after-excess is above ``threshold`` sigma
  (masking from the first group to the end removes all glow from then on, so what is
  left came before), or when the last two usable difference frames before the first group
  (each, or their mean), inside the ellipse, rise above the same pixels' earlier
  differences by more than ``threshold`` sigma (differences touching DO_NOT_USE or
  SATURATED groups, or ending on JUMP_DET, left out; needs four usable differences before
  the first group; ramps only).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from napari_showermask.core.dq import JUMP_DET, UNUSABLE
from napari_showermask.core.geometry import ellipse_bbox, shower_pixels
from napari_showermask.core.masking import check_showers
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.core.tables import as_showers
from napari_showermask.fit.preview import RatePreview
from napari_showermask.fit.ratefit import Box, RampFitter

if TYPE_CHECKING:
    from astropy.table import Table

__all__ = ["Excess", "ShowerResidual", "residual_report", "shower_residuals"]

GLOW_OUTSIDE = "check: glow outside the ellipse"
STARTS_EARLIER = "check: starts earlier"


@dataclass(frozen=True)
class Excess:
    """A rate excess over the local background.

    Attributes
    ----------
    rate : float
        DN/s (NaN when no pixel of the set has a rate: the ramp was dropped there).
    sigma : float
        ``rate`` over its standard error.
    """

    rate: float
    sigma: float

    def __str__(self) -> str:
        if not math.isfinite(self.rate):
            return "dropped"
        return f"{self.rate:+.2f} DN/s ({self.sigma:+.1f} sigma)"


@dataclass(frozen=True)
class ShowerResidual:
    """The residual check of one shower (see the module docstring).

    Attributes
    ----------
    shower : Shower
    inside_before, inside_after, ring_before, ring_after : Excess
    rise : Excess or None
        Excess of the last differences before the first group over earlier ones, DN/s;
        None when it cannot be measured (too early in the ramp, or no ramp).
    flags : tuple of str
        Empty when nothing calls for a check.
    kind : {'ramp', 'rateints', 'rate'}
        The product's kind: the text names the integration and group only where they
        apply.
    """

    shower: Shower
    inside_before: Excess
    inside_after: Excess
    ring_before: Excess
    ring_after: Excess
    rise: Excess | None
    flags: tuple[str, ...]
    kind: str = "ramp"

    def text(self) -> str:
        """Return the one-line summary shown in the widget and by ``apply --report``."""
        s = self.shower
        where = {
            "ramp": f"integration {s.integration} group {s.group} ",
            "rateints": f"integration {s.integration} ",
        }.get(self.kind, "")
        rise = "n/a" if self.rise is None else str(self.rise)
        rise = f"; rise before onset {rise}" if self.kind == "ramp" else ""
        verdict = "; ".join(self.flags) if self.flags else "ok"
        return (
            f"{where}ellipse ({s.x:.1f}, {s.y:.1f}): "
            f"inside {self.inside_before} -> {self.inside_after}; "
            f"ring {self.ring_before} -> {self.ring_after}{rise}: {verdict}"
        )


def shower_residuals(
    source: RatePreview | RampFitter,
    showers: Sequence[Shower] | Table,
    *,
    ring_width: float = 3.0,
    gap: float = 2.0,
    background_width: float = 6.0,
    threshold: float = 5.0,
) -> list[ShowerResidual]:
    """Check every shower of a catalog against the rate it leaves behind.

    Parameters
    ----------
    source : RatePreview or RampFitter
        The product to fit. A preview answers from its images for integrations it has
        already fitted (and brings its after-image up to date with ``showers``).
    showers : sequence of Shower, or astropy.table.Table
        The whole catalog: each shower is checked with all of them masked.
    ring_width, gap, background_width : float
        Pixels (see the module docstring).
    threshold : float
        Significance, in sigma, above which a shower is flagged.

    Returns
    -------
    list of ShowerResidual
        In the order of ``showers``.

    Raises
    ------
    ShowerMaskError
        A shower lies outside the data (the message names the product).
    """
    showers = as_showers(showers)
    fitter = source.fitter if isinstance(source, RatePreview) else source
    shape = fitter.product.image_shape
    check_showers(showers, fitter.product.kind, fitter.product.shape, fitter.product.path)
    outer = ring_width + gap + background_width
    out = []
    for shower in showers:
        i = 0 if fitter.product.kind == "rate" else shower.integration
        s = shower
        box = ellipse_bbox(s.x, s.y, s.semi_major + outer, s.semi_minor + outer, s.theta, shape)
        assert box is not None  # the shower covers pixels (checked above)
        if isinstance(source, RatePreview):
            before, after = source.rates(i, box, showers)
        else:
            before, after = fitter.fit_box(i, box)[0], fitter.fit_box(i, box, showers)[0]
        others = [o for o in fitter.local_showers(i, box, showers) if o != _local(s, box)]
        exclude = np.zeros(before.shape, bool)
        for other in others:
            exclude |= _grown(other, ring_width, box, None)
        inside = _grown(s, 0.0, box, box)
        ring = _grown(s, ring_width, box, box) & ~inside & ~exclude
        background = _grown(s, outer, box, box) & ~_grown(s, ring_width + gap, box, box)
        background &= ~exclude
        excess = [
            _excess(rate[where], rate[background])
            for where in (inside, ring)
            for rate in (before, after)
        ]
        rise = _rise(fitter, i, s, box, inside) if fitter.product.kind == "ramp" else None
        flags = []
        if excess[3].sigma > threshold:
            flags.append(GLOW_OUTSIDE)
        if excess[1].sigma > threshold or (rise is not None and rise.sigma > threshold):
            flags.append(STARTS_EARLIER)
        inside_before, inside_after, ring_before, ring_after = excess
        out.append(
            ShowerResidual(
                shower,
                inside_before,
                inside_after,
                ring_before,
                ring_after,
                rise,
                tuple(flags),
                fitter.product.kind,
            )
        )
    return out


def residual_report(path: str | os.PathLike[str], showers: Sequence[Shower]) -> list[str]:
    """Return one line per shower: its residual check on a product (``apply --report``).

    Parameters
    ----------
    path : str or path-like
        The ramp, rateints or rate product, unmasked; the showers are applied in memory.
    showers : sequence of Shower

    Returns
    -------
    list of str
        ``"shower N: ..."`` (N from 1, in catalog order), see `ShowerResidual.text`.
    """
    with open_product(path) as product:
        residuals = shower_residuals(RampFitter(product), showers)
    return [f"shower {n}: {r.text()}" for n, r in enumerate(residuals, start=1)]


def _local(shower: Shower, box: Box) -> Shower:
    return shower.moved(x=shower.x - box[1].start, y=shower.y - box[0].start, integration=0)


def _grown(shower: Shower, grow: float, box: Box, image_box: Box | None) -> np.ndarray:
    """Pixels of the box inside the shower's ellipse with semi-axes grown by ``grow``.

    ``image_box`` given: the shower is in image coordinates; None: already in the box's.
    """
    shape = (box[0].stop - box[0].start, box[1].stop - box[1].start)
    local = _local(shower, box) if image_box is not None else shower
    local = local.moved(semi_major=local.semi_major + grow, semi_minor=local.semi_minor + grow)
    out = np.zeros(shape, bool)
    found = shower_pixels(local, shape)
    if found is not None:
        out[found[0]] = found[1]
    return out


def _median_and_error(values: np.ndarray) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    return median, 1.2533 * 1.4826 * mad / math.sqrt(values.size)


def _excess(values: np.ndarray, background: np.ndarray) -> Excess:
    level, level_err = _median_and_error(values)
    bg, bg_err = _median_and_error(background)
    rate = level - bg
    err = math.hypot(level_err, bg_err)
    return Excess(rate, rate / err if err > 0 else math.nan)


def _rise(
    fitter: RampFitter, integration: int, shower: Shower, box: Box, inside: np.ndarray
) -> Excess | None:
    """Excess of the last two usable differences before the onset over the earlier ones."""
    first, onset = fitter.groups.start or 0, shower.group
    if onset - first < 5:  # 2 differences to test and 2 to compare with
        return None
    key = (integration, slice(first, onset), *box)
    sci = fitter.product.read("SCI", key).astype(np.float64)[:, inside]
    dq = fitter.product.read("GROUPDQ", key)[:, inside]
    diff = sci[1:] - sci[:-1]
    bad = ((dq[1:] | dq[:-1]) & UNUSABLE).astype(bool) | (dq[1:] & JUMP_DET).astype(bool)
    diff[bad] = np.nan
    with np.errstate(all="ignore"), np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        reference = np.nanmedian(diff[:-2], axis=0)
        tested = (diff[-1], diff[-2], np.nanmean(diff[-2:], axis=0))
    best = None
    for late in tested:
        excess = _excess(late - reference, np.zeros(1))
        if math.isfinite(excess.rate) and (best is None or excess.sigma > best.sigma):
            best = excess
    if best is None:
        return None
    tgroup = fitter.timing.group_time if fitter.timing else 1.0
    return Excess(best.rate / tgroup, best.sigma)
