"""The oracle signal-to-noise with the static scene's photon noise (generalised least squares).

`realistic_oracle` takes the read noise alone, white. The charge of the static scene
(background, stars, extended source) also arrives as photons: its noise is a random walk
along each ramp, ``rate * group_time / gain`` DN**2 more variance with every group, the
same kind of slow wander as a faint decaying glow. Over 40 groups of a 10 DN/s background
it is larger than the read noise and takes most of the evidence of a glow's curvature.

Per integration and pixel the reads' covariance is ``sigma**2 I + a (min(g, h) + 1)`` on
the usable reads, ``a = rate * group_time / gain``. For one layout of usable reads
``min(g, h) + 1 = V diag(lam) V^T`` once, so ``C**-1 = V diag(1 / (sigma**2 + a lam))
V^T`` for every pixel at once; the quadratic forms of the signal and of the static
pixel's model (offset, optionally a free curve, per integration; one common rate) follow.
"""

from __future__ import annotations

import numpy as np


def gls_energy(
    signal: np.ndarray,
    usable: np.ndarray,
    rate: np.ndarray,
    group_time: float,
    gain: float,
    sigma: float,
    free: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel, the squared SNR left beyond a static pixel, plain and within.

    Parameters
    ----------
    signal : numpy.ndarray
        ``(nints, ngroups, npix)`` accumulated charge at each read, DN.
    usable : numpy.ndarray
        Same shape, bool: the reads a fit may use.
    rate : numpy.ndarray
        ``(npix,)`` the static scene's rate, DN/s (its photon noise).
    group_time, gain, sigma : float
        Seconds per group, e-/DN, read noise per read (DN).
    free : numpy.ndarray, optional
        ``(ngroups,)`` a curve a static pixel may also hold, free in each integration.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        ``(npix,)`` squared SNRs: against per-integration offsets and one common rate;
        the signal's own (no model); against per-integration offsets and rates.
    """
    nints, ngroups, npix = signal.shape
    a = np.clip(np.asarray(rate, dtype=np.float64), 0, None) * group_time / gain
    t = np.arange(ngroups, dtype=np.float64) * group_time
    local = [np.ones(ngroups)] + ([np.asarray(free, dtype=np.float64)] if free is not None else [])
    tt, ts, plain, within = (np.zeros(npix) for _ in range(4))
    ss = np.zeros(npix)
    for i in range(nints):
        layouts, which = np.unique(usable[i].T, axis=0, return_inverse=True)
        for n, layout in enumerate(layouts):
            reads = np.nonzero(layout)[0]
            pix = np.nonzero(which.ravel() == n)[0]
            if reads.size < 2:
                continue
            lam, vec = np.linalg.eigh(np.minimum.outer(reads, reads) + 1.0)
            w = 1.0 / (sigma**2 + a[pix][None, :] * lam[:, None])  # (K, P)
            big_l = vec.T @ np.stack([c[reads] for c in local], axis=1)  # (K, l)
            tv = vec.T @ t[reads]
            sv = vec.T @ signal[i][reads][:, pix]  # (K, P)
            ll = np.einsum("kp,ka,kb->pab", w, big_l, big_l)
            inv = np.linalg.pinv(ll)
            lt = np.einsum("kp,ka,k->pa", w, big_l, tv)
            ls = np.einsum("kp,ka,kp->pa", w, big_l, sv)
            t_t = (w * tv[:, None] ** 2).sum(axis=0) - np.einsum("pa,pab,pb->p", lt, inv, lt)
            t_s = (w * tv[:, None] * sv).sum(axis=0) - np.einsum("pa,pab,pb->p", lt, inv, ls)
            s_s = (w * sv**2).sum(axis=0) - np.einsum("pa,pab,pb->p", ls, inv, ls)
            tt[pix] += t_t
            ts[pix] += t_s
            ss[pix] += s_s
            plain[pix] += (w * sv**2).sum(axis=0)
            within[pix] += s_s - np.where(t_t > 0, t_s**2 / np.where(t_t > 0, t_t, 1.0), 0.0)
    residual = ss - np.where(tt > 0, ts**2 / np.where(tt > 0, tt, 1.0), 0.0)
    return np.maximum(residual, 0.0), plain, np.maximum(within, 0.0)
