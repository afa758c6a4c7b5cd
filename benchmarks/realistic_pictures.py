"""Pictures of the largest showers the detector misses on realistic scenes (tuning seeds).

One PNG per missed shower appearance, over the appearance's box: the truth's ``|bias|``
(its own signal alone, DN/s); the pixels masked from its onset, its affected pixels
outlined; and what the data show, the mean of each pixel's first 3 usable differences
minus the mean of its last 3 (DN; a glow that decays is positive, one that begins
mid-ramp negative), as read and smoothed over 2 pixels; and the glow's own time curve
fitted to each pixel's ramp against the best line (`template_z`, in noise units, smoothed
over 3 pixels: what a method knowing the decay would see). The title gives the kind, the
glow's peak rate when this integration's charge begins, the shower's oracle SNR
(`realistic_oracle`) and its affected pixel count.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED
from napari_showermask.synthetic.detector_effects import READ_NOISE

UNUSED = JUMP_DET | DO_NOT_USE | SATURATED


@dataclass(order=True)
class Panel:
    """One missed appearance, ready to draw (ordered by its affected pixel count)."""

    affected: int
    title: str = field(compare=False)
    bias: np.ndarray = field(compare=False, repr=False)
    masked: np.ndarray = field(compare=False, repr=False)
    own: np.ndarray = field(compare=False, repr=False)
    view: np.ndarray = field(compare=False, repr=False)
    template: np.ndarray = field(compare=False, repr=False)


def early_minus_late(data: np.ndarray, groupdq: np.ndarray, count: int = 3) -> np.ndarray:
    """Per pixel, mean of the first ``count`` usable differences minus that of the last.

    Parameters
    ----------
    data : numpy.ndarray
        ``(ngroups, h, w)`` one integration's reads, DN.
    groupdq : numpy.ndarray
        Same shape, the input GROUPDQ: a difference is usable when both its reads are
        neither ``DO_NOT_USE`` nor ``SATURATED`` and its later read holds no ``JUMP_DET``
        (a cosmic ray).

    Returns
    -------
    numpy.ndarray
        ``(h, w)`` DN; NaN where fewer than ``2 * count`` usable differences exist.
    """
    reads = np.asarray(data, dtype=np.float64)
    usable = (groupdq & (DO_NOT_USE | SATURATED)) == 0
    valid = usable[:-1] & usable[1:] & ((groupdq[1:] & JUMP_DET) == 0)
    diffs = np.diff(reads, axis=0)
    rank = np.cumsum(valid, axis=0)
    back = np.cumsum(valid[::-1], axis=0)[::-1]
    first = valid & (rank <= count)
    last = valid & (back <= count)
    enough = valid.sum(axis=0) >= 2 * count
    early = (diffs * first).sum(axis=0) / np.maximum(first.sum(axis=0), 1)
    late = (diffs * last).sum(axis=0) / np.maximum(last.sum(axis=0), 1)
    return np.where(enough, early - late, np.nan)


def template_z(
    data: np.ndarray, groupdq: np.ndarray, curve: np.ndarray, sigma: float
) -> np.ndarray:
    """Per pixel, the glow's time curve fitted to its ramp beyond a line, in noise units.

    Both the reads and ``curve`` lose their best line (offset and rate, usable reads
    only); the amplitude of the curve's residual in the reads' residual, divided by its
    error for white read noise ``sigma``, is N(0, 1) where there is no glow.

    Parameters
    ----------
    data, groupdq : numpy.ndarray
        ``(ngroups, h, w)`` one integration's reads (DN) and input GROUPDQ.
    curve : numpy.ndarray
        ``(ngroups,)`` the glow's charge at each read (`Appearance.glow_curve`).
    sigma : float
        Read noise per read, DN.

    Returns
    -------
    numpy.ndarray
        ``(h, w)``; 0 where the curve is a line over the usable reads.
    """
    m = ((groupdq & (DO_NOT_USE | SATURATED)) == 0).astype(np.float64)
    n = np.maximum(m.sum(axis=0), 1.0)
    t = np.arange(data.shape[0], dtype=np.float64)[:, None, None]

    def beyond_line(values: np.ndarray) -> np.ndarray:
        tc = (t - (t * m).sum(axis=0) / n) * m
        vc = (values - (values * m).sum(axis=0) / n) * m
        slope = (tc * vc).sum(axis=0) / np.maximum((tc * tc).sum(axis=0), 1e-300)
        return (vc - slope * tc) * m

    d = beyond_line(np.asarray(data, dtype=np.float64))
    c = beyond_line(np.broadcast_to(curve[:, None, None], data.shape).astype(np.float64))
    norm = np.sqrt((c * c).sum(axis=0))
    return np.where(norm > 0, (d * c).sum(axis=0) / np.maximum(norm, 1e-300) / sigma, 0.0)


class Pictures:
    """Keep the largest missed showers of a run and draw them.

    Parameters
    ----------
    directory : pathlib.Path
        Where the PNGs go (created).
    limit : int
        How many pictures at most for the whole run.
    """

    def __init__(self, directory: Path, limit: int = 8) -> None:
        self.directory = directory
        self.limit = limit
        self.panels: list[Panel] = []

    def offer(self, scene: int, model, truth, groupdq: np.ndarray, oracles: dict) -> None:
        """Consider every appearance of a scene the masking ``groupdq`` misses.

        Parameters
        ----------
        scene : int
            The scene's seed (named in the title).
        model : RampModel
            The scene's ramp as written (its SCI and input GROUPDQ).
        truth : RealisticTruth
        groupdq : numpy.ndarray
            GROUPDQ after masking.
        oracles : dict
            Shower index to `realistic_oracle.Oracle`.
        """
        unused = (groupdq & UNUSED) != 0
        first = groupdq.shape[1] - np.logical_and.accumulate(unused[:, ::-1], axis=1).sum(axis=1)
        nints, ngroups = groupdq.shape[:2]
        for a in truth.appearances:
            own = a.affected
            y0, y1, x0, x1 = a.box
            masked = first[a.integration, y0:y1, x0:x1] <= a.group
            size = int(own.sum())
            full = len(self.panels) >= self.limit
            if not size or masked[own].mean() >= 0.5 or (full and size <= self.panels[0].affected):
                continue
            i, best = a.integration, oracles[a.shower]
            data = np.asarray(model.data[i, :, y0:y1, x0:x1])
            dq = np.asarray(model.groupdq[i, :, y0:y1, x0:x1])
            view = early_minus_late(data, dq)
            template = template_z(data, dq, a.glow_curve, READ_NOISE)
            title = (
                f"{a.kind}, peak here {a.peak_here:.2f} DN/s, oracle SNR {best.snr:.1f} "
                f"(each integration alone {best.within:.1f}, reset residue free "
                f"{best.residue:.1f}, with photon noise {best.photon:.1f}), {size} px\n"
                f"scene {scene} ({nints}x{ngroups}), int {i}, group {a.group}, box "
                f"y {y0}-{y1} x {x0}-{x1}"
            )
            panel = Panel(size, title, np.abs(a.bias), masked, own, view, template)
            if full:
                heapq.heapreplace(self.panels, panel)
            else:
                heapq.heappush(self.panels, panel)

    def write(self) -> list[Path]:
        """Draw the kept panels, largest first; return the files written."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        self.directory.mkdir(parents=True, exist_ok=True)
        written = []
        for n, p in enumerate(sorted(self.panels, reverse=True)):
            fig, axes = plt.subplots(1, 5, figsize=(21, 4.6))
            image = axes[0].imshow(p.bias, origin="lower", cmap="magma")
            fig.colorbar(image, ax=axes[0], shrink=0.8, label="truth |bias| DN/s")
            axes[1].imshow(p.masked, origin="lower", cmap="gray", vmin=0, vmax=1)
            axes[1].contour(p.own, levels=[0.5], colors="red", linewidths=0.8)
            axes[1].set_title("masked from onset (white); affected (red)", fontsize=9)
            smooth = gaussian_filter(np.nan_to_num(p.view), 2.0)
            for ax, img, name in (
                (axes[2], p.view, "as read"),
                (axes[3], smooth, "smoothed 2 px"),
            ):
                finite = img[np.isfinite(img)]
                lim = float(np.percentile(np.abs(finite), 99)) if finite.size else 1.0
                shown = ax.imshow(img, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim)
                fig.colorbar(shown, ax=ax, shrink=0.8, label="DN")
                ax.set_title(f"first 3 - last 3 differences, {name}", fontsize=9)
                ax.contour(p.own, levels=[0.5], colors="k", linewidths=0.5)
            # smoothing with a Gaussian of 3 px sums ~4 pi 9 pixels: rescale to noise units
            z = gaussian_filter(p.template, 3.0) * np.sqrt(4 * np.pi * 9)
            shown = axes[4].imshow(z, origin="lower", cmap="RdBu_r", vmin=-6, vmax=6)
            fig.colorbar(shown, ax=axes[4], shrink=0.8, label="sigma")
            axes[4].set_title("glow's time curve fitted beyond a line, 3 px", fontsize=9)
            axes[4].contour(p.own, levels=[0.5], colors="k", linewidths=0.5)
            fig.suptitle(p.title, fontsize=10)
            fig.tight_layout()
            path = self.directory / f"missed_{n:02d}.png"
            fig.savefig(path, dpi=80)
            plt.close(fig)
            written.append(path)
        return written
