"""The detector's tuning: one frozen dataclass, grouped by stage, with one set of defaults."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from napari_showermask.core.errors import ShowerMaskError

__all__ = ["DetectionParams"]


@dataclass(frozen=True)
class DetectionParams:
    """Tuning of `napari_showermask.detect.detector.detect_showers`.

    The defaults are the tuned ones; change a field with ``dataclasses.replace`` or
    ``DetectionParams(threshold=12.0)``. CUSUM values are in units of the smoothed noise
    (pure noise peaks at about 6), distances in pixels, times in groups.

    Attributes
    ----------
    scale : float
        Smoothing: width, in pixels, of the Gaussian matched filter (the scale of a
        shower's glow).
    drift : float
        Smoothing: CUSUM drift, in units of the smoothed significance per group.
    threshold : float
        Regions: peak CUSUM a region needs to be proposed (noise units).
    grow : float
        Regions: fraction of ``threshold`` down to which regions are grown (hysteresis).
    min_area : int
        Regions: smallest region, in pixels.
    level : float
        Regions: fraction of ``threshold`` from which a pixel's first CUSUM excursion
        counts as a shower of its own (one that faded before a later one began there).
    tolerance : int
        Segmentation: onsets of one shower's pixels spread over up to this many groups;
        touching regions whose onsets are further apart are different showers (one group
        less apart from the first usable group: a glow already there has all its onsets
        on it).
    ratio : float
        Segmentation: fraction of ``threshold`` that a piece of a region with an onset of
        its own needs to be a shower (the region as a whole passed ``threshold``).
    early : float
        Segmentation: quantile of a shower's pixel onsets taken as its first group (0 is
        the earliest).
    cover : float
        Ellipses: factor applied to the moment ellipse so that it covers the region.
    footprint : float
        Ellipses: the ellipse is sized on the pixels whose CUSUM reached this fraction of
        the shower's 95th percentile (and kept rising after their onset), or
        ``median_footprint`` times its median if that is lower.
    median_footprint : float
        Ellipses: see ``footprint``; a brighter later shower on top of part of an earlier
        one (one excursion there) raises its 95th percentile.
    bright : float
        Ellipses: a shower whose score passes ``bright * threshold`` has
        ``deblur * scale**2`` (pixels squared) taken off the variance of its footprint
        along each axis (the smoothing widens a bright glow's footprint most).
    deblur : float
        Ellipses: see ``bright``.
    reach : float
        Neighbours: width, in pixels, of the band of a later, brighter shower's ellipse
        around an earlier one's that the earlier one grows over (the smoothing spreads a
        bright later shower over the edge of an earlier one it touches); 0 turns it off.
    widen : float
        Neighbours: most the earlier ellipse is scaled up to cover its pixels and that
        band.
    cap : float
        Neighbours: most the earlier ellipse's area grows over that band.
    brighter : float
        Neighbours: the later shower's score must be at least this many times the earlier
        one's.
    into : float
        Neighbours: a later shower, fainter and smaller than an earlier one beside it,
        sizes its ellipse also on that one's pixels within this many pixels of its own;
        0 turns it off.
    ring_width : float
        Growth: width, in pixels, of the rings added around a candidate while they hold a
        significant excess after its onset or in its onset group (its soft wings and
        flash bias the rate too); 0 turns growing off.
    ring_sigma : float
        Growth: significance of the summed excess a ring needs to be added.
    most_growth : float
        Growth: most pixels added to each semi-axis.
    onset_drift : float
        Growth: drift, per group, of the excess summed over a candidate (unit noise) in
        the search for an earlier onset.
    carry_sigma : float
        Growth: significance of the excess summed over a candidate in the last quarter of
        its integration from which its glow is taken to last into the next integration
        (masked there from the first group); 0 turns it off.
    glow_scale : float
        Decay: width, in pixels, of the Gaussian matched filter on the drop in rate from
        one integration to the last (`napari_showermask.detect.decay`).
    glow_threshold : float
        Decay: smoothed significance a fading glow needs (noise units); 0 turns the decay
        search off.
    glow_min_area : int
        Decay: smallest glow region, in pixels.
    glow_floor : float
        Decay: share of a pixel's own signal per group added to its noise (what bright
        and saturating stars leave after the linearity correction).
    """

    # smoothing
    scale: float = 2.5
    drift: float = 1.0
    # regions
    threshold: float = 15.0
    grow: float = 0.25
    min_area: int = 20
    level: float = 0.5
    # segmentation
    tolerance: int = 2
    ratio: float = 0.5
    early: float = 0.1
    # ellipses
    cover: float = 1.15
    footprint: float = 0.1
    median_footprint: float = 0.3
    bright: float = 10.0
    deblur: float = 0.5
    # neighbours
    reach: float = 4.0
    widen: float = 1.3
    cap: float = 1.2
    brighter: float = 1.0
    into: float = 3.0
    # growth
    ring_width: float = 3.0
    ring_sigma: float = 3.0
    most_growth: float = 60.0
    onset_drift: float = 1.0
    carry_sigma: float = 3.0
    # decay
    glow_scale: float = 10.0
    glow_threshold: float = 5.0
    glow_min_area: int = 100
    glow_floor: float = 0.002

    def updated(self, settings: Iterable[str]) -> DetectionParams:
        """Return a copy with fields changed by ``NAME=VALUE`` texts (e.g. ``threshold=12``).

        Parameters
        ----------
        settings : iterable of str
            Each ``NAME=VALUE``; a text may hold several, separated by spaces or commas.

        Returns
        -------
        DetectionParams

        Raises
        ------
        ShowerMaskError
            An unknown name or a value that is not a number (one line naming it).
        """
        types = {field.name: field.type for field in fields(self)}
        changes: dict[str, float | int] = {}
        for text in settings:
            for item in text.replace(",", " ").split():
                name, equals, value = item.partition("=")
                name = name.strip().replace("-", "_")
                if not equals or name not in types:
                    known = ", ".join(types)
                    raise ShowerMaskError(
                        f"detection parameter {item!r}: expected NAME=VALUE, NAME one of {known}"
                    )
                try:
                    changes[name] = int(value) if types[name] in ("int", int) else float(value)
                except ValueError:
                    raise ShowerMaskError(
                        f"detection parameter {name}: {value!r} is not a number"
                    ) from None
        return replace(self, **changes)  # type: ignore[arg-type]
