"""One integration's search: its reference, its CUSUM maps and its candidate showers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from napari_showermask.core.products import Product
from napari_showermask.core.shower import Shower
from napari_showermask.detect import statistics as stats
from napari_showermask.detect.cusum import cusum
from napari_showermask.detect.ellipses import candidates
from napari_showermask.detect.grow import grow_showers
from napari_showermask.detect.params import DetectionParams
from napari_showermask.detect.segments import segments
from napari_showermask.detect.sky import glow_reference, rising_reference

__all__ = ["pooled_sums", "search_integration"]


def pooled_sums(parts: Sequence[stats.Sums], shape: tuple[int, ...]) -> stats.Sums:
    """Add up the sums of several integrations (float64 planes).

    Parameters
    ----------
    parts : sequence of Sums
        Per integration (float32, kept from the first pass) or per worker (float64).
    shape : tuple of int
        ``(ny, nx)``, for no parts.

    Returns
    -------
    Sums
    """
    pooled = (np.zeros(shape), np.zeros(shape), np.zeros(shape))
    for part in parts:
        for whole, more in zip(pooled, part, strict=True):
            whole += more
    return pooled


def search_integration(
    product: Product,
    integration: int,
    groups: Sequence[int],
    bad: np.ndarray,
    params: DetectionParams,
    step: Callable[[], None],
    pooled: stats.Sums | None = None,
    kept: tuple[stats.Sums, stats.Runs] | None = None,
) -> list[Shower]:
    """Return the candidate showers of one integration, highest score first.

    Parameters
    ----------
    product : Product
    integration : int
    groups : sequence of int
        The usable groups (`statistics.usable_groups`).
    bad : numpy.ndarray of bool
        Pixels always left out (`statistics.bad_pixels`).
    params : DetectionParams
    step : callable
        Called once per plane read.
    pooled : Sums, optional
        Over all integrations; None for a one-integration ramp.
    kept : (Sums, Runs), optional
        This integration's own sums and lowest runs from the first pass; read again when
        None.

    Returns
    -------
    list of Shower
    """
    single = pooled is None
    first: list[np.ndarray] | None = [] if single else None
    if kept is not None:
        own, lowest = kept
    else:
        own, lowest = stats.runs(product, integration, groups, bad, step, first)
    glow = risen = None
    if pooled is None:
        if first:
            glow = glow_reference(lowest[0], lowest[1], first[0], params.scale)
            lowered = rising_reference(lowest[0], lowest[1], first[1], params.scale)
            if lowered is not None:
                risen = lowered < lowest[0]
                lowest = (lowered, lowest[1])
        reference = stats.single_reference(lowest)
        del first
    else:
        others = (pooled[0] - own[0], pooled[1] - own[1], pooled[2] - own[2])
        reference = stats.leave_one_out_reference(others, lowest)
        del others
    del own, lowest
    maps = cusum(
        product,
        integration,
        groups,
        bad,
        reference,
        params.scale,
        params.drift,
        params.threshold * params.level,
        step,
        glow,
        params.tolerance,
        risen,
    )
    del glow, risen
    found = segments(
        maps,
        params.threshold,
        params.min_area,
        params.tolerance,
        params.ratio,
        params.grow,
        params.early,
        groups[0],
    )
    showers = candidates(integration, list(found), maps.peak.shape, groups[0], params)
    return grow_showers(product, groups, bad, reference, showers, params)
