"""How detectable each shower of a realistic scene is at best: its oracle signal-to-noise.

A method that knew a shower's exact signal (every pixel, every read, every integration)
and had to tell it apart from a static scene could do no better than a matched filter
against everything a static pixel can do: a separate offset per integration (bias, reset)
plus one rate times time, the same rate in every integration. The part of the shower's
signal such a pixel can mimic is invisible to any method; what is left is its evidence.

For one shower (a `ShowerDraw` index, all the integrations it appears in), over every
pixel of its box and the usable groups (not ``DO_NOT_USE``, not ``SATURATED``) of every
integration, integrations it does not reach included with zero signal (they still pin
the common rate)::

    SNR**2 = sum over pixels of || P s ||**2 / READ_NOISE**2

with ``P`` the projection onto the orthogonal complement of the static pixel's model.
Per pixel it has a closed form: centre the signal and the read times within each
integration (that removes the offsets), then remove the one common slope:
``sum_i Sss_i - (sum_i Sts_i)**2 / sum_i Stt_i``. The plain SNR (no projection, the
signal's own energy over the usable reads) is given for reference, and the "within" SNR
against a static source whose rate may differ from one integration to the next
(``sum_i (Sss_i - Sts_i**2 / Stt_i)``): the evidence each integration holds on its own,
without the other integrations' rate.

It is an upper bound: the read noise is taken as white and alone (no photon noise of the
sky, the stars or the shower itself, no row noise, no other showers, no cosmic rays), and
the shape and timing of the shower are known exactly. A shower with an oracle SNR below
~3-5 cannot be found reliably by any method; a glow that keeps a nearly constant rate
through an integration it was already in at group 0 is, to any method, a static source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from realistic_gls import gls_energy

from napari_showermask.core.dq import DO_NOT_USE, SATURATED
from napari_showermask.synthetic.detector_effects import GAIN, READ_NOISE, RESIDUE_TAU
from napari_showermask.synthetic.truth import Appearance

SNR_BINS = (("<3", 0.0, 3.0), ("3-5", 3.0, 5.0), ("5-10", 5.0, 10.0), (">=10", 10.0, np.inf))
DETECTABLE = 5.0  # oracle SNR from which a shower counts as "detectable"
PEAK_BINS = (("<1", 0.0, 1.0), ("1-3", 1.0, 3.0), (">3", 3.0, np.inf))  # DN/s


class Oracle(NamedTuple):
    """One shower's best signal-to-noise.

    Attributes
    ----------
    snr : float
        Against a static scene (per-integration offsets, one common rate).
    plain : float
        Its signal's own energy over the read noise, no projection.
    within : float
        Against a static scene whose rate may differ per integration.
    residue : float
        As ``snr``, the static pixel also holding the reset residue's curve
        (``exp(-group / RESIDUE_TAU)``, `synthetic.detector_effects`) at any amplitude
        per integration: a decay in the first groups that no shower needs to explain.
    photon : float
        As ``snr``, with the photon noise of the static scene's rate as well
        (`realistic_gls`): no longer white, a random walk along each ramp.
    """

    snr: float
    plain: float
    within: float
    residue: float
    photon: float


def snr_bin(snr: float) -> str:
    """Name of the `SNR_BINS` bin holding an oracle SNR."""
    return next(name for name, low, high in SNR_BINS if low <= snr < high)


def residual_energy(
    signal: np.ndarray, usable: np.ndarray, group_time: float, free: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel, the energy a static pixel cannot mimic, the plain and the within (DN**2).

    Parameters
    ----------
    signal : numpy.ndarray
        ``(nints, ngroups, ...)`` accumulated charge at each read, DN (zeros in the
        integrations the signal does not reach).
    usable : numpy.ndarray
        Same shape, bool: the reads a fit may use.
    group_time : float
        Seconds per group.
    free : numpy.ndarray, optional
        ``(ngroups,)`` a time curve a static pixel may also hold, with its own amplitude in
        each integration (e.g. the reset residue's ``exp(-group / RESIDUE_TAU)``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Shape ``signal.shape[2:]``: the squared norm of the signal's residual after the
        least-squares fit of per-integration offsets plus one common rate; the squared
        norm of the signal itself; the squared residual after per-integration offsets
        and per-integration rates. All over the usable reads.
    """
    s = np.asarray(signal, dtype=np.float64)
    m = np.asarray(usable, dtype=np.float64)
    t = (np.arange(s.shape[1], dtype=np.float64) * group_time).reshape(
        (1, -1) + (1,) * (s.ndim - 2)
    )
    n = m.sum(axis=1, keepdims=True)
    safe = np.maximum(n, 1.0)
    tc = (t - (t * m).sum(axis=1, keepdims=True) / safe) * m
    sc = (s - (s * m).sum(axis=1, keepdims=True) / safe) * m
    if free is not None:  # remove the free curve's part too, per integration and pixel
        f = np.asarray(free, dtype=np.float64).reshape(t.shape)
        fc = (f - (f * m).sum(axis=1, keepdims=True) / safe) * m
        fff = np.maximum((fc * fc).sum(axis=1, keepdims=True), 1e-300)
        tc = tc - fc * (fc * tc).sum(axis=1, keepdims=True) / fff
        sc = sc - fc * (fc * sc).sum(axis=1, keepdims=True) / fff
    stt_i = (tc * tc).sum(axis=1)
    sts_i = (tc * sc).sum(axis=1)
    sss = (sc * sc).sum(axis=(0, 1))
    stt, sts = stt_i.sum(axis=0), sts_i.sum(axis=0)
    slope_part = np.where(stt > 0, sts**2 / np.where(stt > 0, stt, 1.0), 0.0)
    residual = np.maximum(sss - slope_part, 0.0)
    own_slopes = np.where(stt_i > 0, sts_i**2 / np.where(stt_i > 0, stt_i, 1.0), 0.0)
    within = np.maximum(sss - own_slopes.sum(axis=0), 0.0)
    plain = (s * s * m).sum(axis=(0, 1))
    return residual, plain, within


def shower_oracles(
    appearances: Iterable[Appearance],
    groupdq: np.ndarray,
    group_time: float,
    rate: np.ndarray | None = None,
) -> dict[int, Oracle]:
    """Oracle SNR of every shower of a scene, over all the integrations it appears in.

    Parameters
    ----------
    appearances : iterable of Appearance
        The scene's truth (`RealisticTruth.appearances`).
    groupdq : numpy.ndarray
        ``(nints, ngroups, ny, nx)`` the ramp's GROUPDQ as written (before any masking).
    group_time : float
        Seconds per group.
    rate : numpy.ndarray, optional
        ``(ny, nx)`` the static scene's rate, DN/s, for ``Oracle.photon`` (none: 0).

    Returns
    -------
    dict
        Shower index (`Appearance.shower`) to its `Oracle`.
    """
    nints, ngroups = groupdq.shape[:2]
    residue = np.exp(-np.arange(ngroups) / RESIDUE_TAU)
    by_shower: dict[int, list[Appearance]] = {}
    for a in appearances:
        by_shower.setdefault(a.shower, []).append(a)
    out: dict[int, Oracle] = {}
    for k, mine in by_shower.items():
        y0, y1, x0, x1 = mine[0].box
        signal = np.zeros((nints, ngroups, y1 - y0, x1 - x0))
        for a in mine:
            signal[a.integration] += a.signal()
        usable = (groupdq[:, :, y0:y1, x0:x1] & (DO_NOT_USE | SATURATED)) == 0
        energies = residual_energy(signal, usable, group_time)
        with_residue = residual_energy(signal, usable, group_time, residue)[0]
        here = np.zeros((y1 - y0) * (x1 - x0)) if rate is None else rate[y0:y1, x0:x1].ravel()
        flat = signal.reshape(nints, ngroups, -1)
        photon = gls_energy(flat, usable.reshape(flat.shape), here, group_time, GAIN, READ_NOISE)
        white = [float(np.sqrt(e.sum())) / READ_NOISE for e in (*energies, with_residue)]
        out[k] = Oracle(*white, float(np.sqrt(photon[0].sum())))
    return out


def owners(
    appearances: list[Appearance], shape: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel and integration, the appearance whose own rate bias there is largest.

    Parameters
    ----------
    appearances : list of Appearance
    shape : tuple of int
        ``(nints, ny, nx)``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(nints, ny, nx)`` int32 index into ``appearances`` (-1 where none) and that
        appearance's ``|bias|`` there.
    """
    owner = np.full(shape, -1, np.int32)
    best = np.zeros(shape, np.float32)
    for n, a in enumerate(appearances):
        y0, y1, x0, x1 = a.box
        here = np.abs(a.bias)
        take = here > best[a.integration, y0:y1, x0:x1]
        best[a.integration, y0:y1, x0:x1][take] = here[take]
        owner[a.integration, y0:y1, x0:x1][take] = n
    return owner, best


def pixel_records(
    appearances: list[Appearance],
    oracles: dict[int, Oracle],
    affected: np.ndarray,
    covered: np.ndarray,
    bias: np.ndarray,
) -> dict[str, list]:
    """Oracle SNR, kind and coverage of each affected pixel, in ``affected``'s order.

    Each affected pixel belongs to the shower whose own bias there is largest (`owners`).

    Parameters
    ----------
    appearances : list of Appearance
    oracles : dict
        From `shower_oracles`.
    affected, covered : numpy.ndarray
        ``(nints, ny, nx)`` bool: the truth's affected pixels; those masked from onset.
    bias : numpy.ndarray
        ``(nints, ny, nx)`` the truth's rate bias of all showers, DN/s.

    Returns
    -------
    dict
        The `Oracle` fields' lists (``"snr"``, ``"within"``, ...), ``"kind"``,
        ``"covered"`` and ``"bias"`` (``|bias|``), aligned with ``x[affected]``.
    """
    owner, _ = owners(appearances, affected.shape)
    index = owner[affected]
    snr = np.array([oracles[a.shower].snr for a in appearances] + [0.0])
    within = np.array([oracles[a.shower].within for a in appearances] + [0.0])
    residue = np.array([oracles[a.shower].residue for a in appearances] + [0.0])
    photon = np.array([oracles[a.shower].photon for a in appearances] + [0.0])
    kinds = [a.kind for a in appearances] + ["none"]
    return {
        "snr": snr[index].tolist(),
        "within": within[index].tolist(),
        "residue": residue[index].tolist(),
        "photon": photon[index].tolist(),
        "kind": [kinds[n] for n in index.tolist()],
        "covered": covered[affected].tolist(),
        "bias": np.abs(bias[affected]).astype(np.float64).tolist(),
    }


def scene_oracles(model, truth) -> dict[int, Oracle]:
    """Every shower's `Oracle` in a realistic scene (its RampModel and RealisticTruth)."""
    groupdq = np.asarray(model.groupdq, dtype=np.uint8)
    group_time = model.meta.exposure.group_time
    return shower_oracles(truth.appearances, groupdq, group_time, truth.rate)
