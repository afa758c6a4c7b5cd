"""Streamed per-pixel statistics of a ramp's difference frames, for `detection`.

Every function reads difference frames one plane at a time (`frames.frames`), so the
memory used is a few planes whatever the size of the ramp. A difference frame ``g`` is
``SCI[i, g] - SCI[i, g-1]``; its pixels are left out (NaN) where group ``g`` is flagged
DO_NOT_USE, SATURATED or JUMP_DET, where group ``g-1`` is DO_NOT_USE or SATURATED, and where
``PIXELDQ`` has DO_NOT_USE or REFERENCE_PIXEL. ``step`` callables are called once per plane
read (progress and cancellation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask.core.planereader import PlaneReader
from napari_showermask.core.products import Product
from napari_showermask.detect.frames import frames

__all__ = [
    "Sums",
    "bad_pixels",
    "frames",
    "Runs",
    "leave_one_out_reference",
    "runs",
    "single_reference",
    "sums",
    "usable_groups",
]

_DNU = dqflags.group["DO_NOT_USE"]
_BAD_PIXEL = dqflags.pixel["DO_NOT_USE"] | dqflags.pixel["REFERENCE_PIXEL"]

#: Per-pixel count, sum and sum of squares of the usable differences (float64 planes).
Sums = tuple[np.ndarray, np.ndarray, np.ndarray]
#: Per-pixel reference rate and noise (float32 planes, DN per group).
Reference = tuple[np.ndarray, np.ndarray]
#: Per-pixel lowest run mean (inf where unknown) and variance within the runs (float32).
Runs = tuple[np.ndarray, np.ndarray]


def usable_groups(product: Product) -> list[int]:
    """Return the groups ``g >= 1`` whose difference frame can be used.

    A frame is usable unless group ``g`` or ``g-1`` is DO_NOT_USE over the whole plane of
    the first integration (MIRI's first and last groups): ``[2, ..., ngroups - 2]`` for a
    usual MIRI ramp.

    Parameters
    ----------
    product : Product
        An open ramp.

    Returns
    -------
    list of int
    """
    with PlaneReader(product) as reader:
        plane = np.empty(product.image_shape, reader.dtype("GROUPDQ"))
        unused = [
            bool(np.all(reader.read("GROUPDQ", 0, g, slice(0, plane.shape[0]), plane) & _DNU))
            for g in range(product.ngroups)
        ]
    return [g for g in range(1, product.ngroups) if not (unused[g] or unused[g - 1])]


def bad_pixels(product: Product) -> np.ndarray:
    """Return the pixels flagged DO_NOT_USE or REFERENCE_PIXEL in ``PIXELDQ``.

    Parameters
    ----------
    product : Product
        An open ramp; a missing ``PIXELDQ`` flags nothing.

    Returns
    -------
    numpy.ndarray of bool
        ``(ny, nx)``.
    """
    try:
        return (product.read("PIXELDQ", ()) & _BAD_PIXEL) != 0
    except (KeyError, IndexError):
        return np.zeros(product.image_shape, bool)


def sums(
    product: Product,
    integrations: Sequence[int],
    groups: Sequence[int],
    bad: np.ndarray,
    step: Callable[[], None],
) -> Sums:
    """Return the per-pixel count, sum and sum of squares of the usable differences.

    Parameters
    ----------
    product : Product
    integrations, groups : sequence of int
        The difference frames to add up.
    bad : numpy.ndarray of bool
    step : callable

    Returns
    -------
    Sums
    """
    shape = product.image_shape
    count, total, squares = (np.zeros(shape) for _ in range(3))
    for integration in integrations:
        for _, frame in frames(product, integration, groups, bad):
            ok = np.isfinite(frame)
            frame[~ok] = 0.0
            count += ok
            total += frame
            squares += np.square(frame, dtype=np.float64)
            step()
    return count, total, squares


def _finish(mean: np.ndarray, variance: np.ndarray, valid: np.ndarray) -> Reference:
    """Floor the noise at half its typical value; make it infinite where not ``valid``."""
    sigma = np.sqrt(variance)
    typical = float(np.median(sigma[valid][::7])) if valid.any() else 1.0
    sigma = np.where(valid, np.maximum(sigma, 0.5 * typical), np.inf)
    return np.where(valid, mean, 0.0).astype(np.float32), sigma.astype(np.float32)


#: differences in the opening mean of `runs` (before a glow begun in the first run)
OPENING = 2


def runs(
    product: Product,
    integration: int,
    groups: Sequence[int],
    bad: np.ndarray,
    step: Callable[[], None],
    first: list[np.ndarray] | None = None,
) -> tuple[Sums, Runs]:
    """Return an integration's sums, and the lowest mean of a few runs of its groups.

    One pass over the integration. The groups are cut into runs of about 6 (at most 8
    runs). A glow only adds charge: the run before a shower began (or, for a glow
    decaying from before group 0, the last run) has the lowest mean. Each run's mean
    leaves out its highest difference, so that a one-frame flash (the first frame of a
    bright shower, an unflagged hit) does not raise it. The noise is pooled within the
    runs, so a glow changing from run to run does not raise it.

    Parameters
    ----------
    product : Product
    integration : int
    groups : sequence of int
    bad : numpy.ndarray of bool
    step : callable
    first : list, optional
        Gets the first run's mean (float32, NaN where fewer than 2 differences), then the
        opening mean: that of the first `OPENING` differences (NaN where none is usable).

    Returns
    -------
    (Sums, Runs)
        The sums are float32 planes (kept per integration by `detection`).
    """
    shape = product.image_shape
    parts = np.array_split(np.asarray(groups), max(1, min(8, len(groups) // 6)))
    ends = {int(part[-1]) for part in parts if len(part)}
    count, total, squares = np.zeros(shape, np.float32), np.zeros(shape), np.zeros(shape)
    own = [np.zeros(shape, np.float32) for _ in range(3)]
    low = np.full(shape, np.inf, np.float32)
    within, dof = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    top = np.full(shape, -np.inf, np.float32)  # each run's highest difference, left out
    scratch = np.empty(shape)
    opening: np.ndarray | None = None
    for g, frame in frames(product, integration, groups, bad):
        ok = np.isfinite(frame)
        np.fmax(top, frame, out=top)
        frame[~ok] = 0.0
        count += ok
        total += frame
        squares += np.square(frame, out=scratch, dtype=np.float64)
        step()
        if first is not None and g == groups[min(OPENING, len(groups)) - 1]:
            opening = np.divide(total, count, out=np.full(shape, np.nan), where=count > 0)
        if g not in ends:
            continue
        own[0] += count
        own[1] += total
        own[2] += squares
        # the run without its highest difference, in place (few planes, big frames)
        trimmed = count >= 3
        np.subtract(total, top, out=total, where=trimmed)
        np.subtract(squares, np.square(top), out=squares, where=trimmed)
        count -= trimmed
        mean = np.divide(total, np.maximum(count, 1.0, out=scratch), out=scratch)
        np.multiply(total, mean, out=total)
        np.subtract(squares, total, out=squares)
        within += np.maximum(squares, 0.0, out=squares)
        mean[count < 2] = np.inf
        if first is not None and not first:
            first.append(np.where(count < 2, np.nan, mean).astype(np.float32))
            if opening is not None:
                first.append(opening.astype(np.float32))
            opening = None
        np.minimum(low, mean, out=low)
        np.subtract(count, 1.0, out=count)
        dof += np.maximum(count, 0.0, out=count)
        for part in (count, total, squares):
            part[...] = 0.0
        top[...] = -np.inf
    low[dof <= 2] = np.inf
    variance = np.divide(within, np.maximum(dof, 1.0), out=within)
    return (own[0], own[1], own[2]), (low, variance)


def single_reference(lowest: Runs) -> Reference:
    """Return the reference of a one-integration ramp: the lowest mean of a few runs.

    The lowest of a few noisy means is biased low by a fraction of the noise, the same for
    every pixel in units of the noise; the per-frame median that `cusum` takes off removes
    it.

    Parameters
    ----------
    lowest : Runs
        From `runs`.

    Returns
    -------
    (reference, noise)
    """
    low, variance = lowest
    return _finish(low, variance, np.isfinite(low))


def leave_one_out_reference(others: Sums, lowest: Runs | None = None) -> Reference:
    """Return each pixel's mean and standard deviation over the other integrations.

    With ``lowest``, both are replaced by the integration's own run estimate (`runs`) where
    the others' mean is significantly higher: a shower in another integration raised it
    there, and would hide one in this integration.

    Parameters
    ----------
    others : Sums
        Over the other integrations.
    lowest : Runs, optional
        Of the integration being searched.

    Returns
    -------
    (reference, noise)
        Noise is infinite where fewer than 3 differences remain.
    """
    count, total, squares = others
    mean = total / np.maximum(count, 1.0)
    variance = np.maximum(squares - total * mean, 0.0) / np.maximum(count - 1, 1.0)
    valid = count > 2
    if lowest is not None:
        _replace_raised(mean, variance, valid, lowest)
    return _finish(mean, variance, valid)


def _replace_raised(mean: np.ndarray, variance: np.ndarray, valid: np.ndarray, lowest: Runs):
    """Take the own run estimate (`runs`) where the others' mean is significantly higher.

    The lowest of a few run means is biased low: its bias and spread, in units of the
    noise, are measured over the image (median and MAD of the difference) and the bias is
    taken off. Where the other integrations' mean exceeds it by more than twice the
    spread, a shower there raised it: mean and variance become the own ones.
    """
    low, own = lowest
    usable = valid & np.isfinite(low)
    if usable.sum() < 10:
        return
    scale = np.sqrt(np.maximum(own, 1e-12))
    difference = np.where(usable, (low - mean) / scale, 0.0)
    sample = difference[usable][::7]
    bias = float(np.median(sample))
    spread = 1.4826 * float(np.median(np.abs(sample - bias)))
    raised = usable & (difference - bias < -2.0 * spread)
    np.copyto(mean, low - bias * scale, where=raised)
    np.copyto(variance, own, where=raised)
