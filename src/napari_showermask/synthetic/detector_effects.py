"""What the MIRI detector adds to a realistic scene: noise, cosmic rays, residue, saturation.

- Read noise ~6 DN per read (~8.5 DN for a difference), gain ~4 e-/DN (JDox, MIRI detector
  performance; domain notes). Photon noise: Poisson in electrons.
- Row-correlated noise: a common offset per row and read, 1.5 DN rms (est.).
- Ordinary cosmic rays: ~5 events per cm2 per second at L2 (JDox, est. for MIRI), on 25 um
  pixels; a few pixels each (a core, 30% short tracks of 2-4 pixels) with inter-pixel
  capacitance of 2% on each of 4 neighbours (est.); log-normal energy, median 150 DN
  (est.). Flagged ``JUMP_DET`` where the jump step would: a step above 4 sigma of a
  difference (its ``rejection_threshold``), and the 4 neighbours of steps above 30 sigma
  (``flag_4_neighbors``).
- Reset anomaly and RSCD residue: what their corrections leave in the first groups, an
  offset decaying over ~1.5 groups, made of a frame, a row and a pixel part, 1.5 times
  larger after the first integration (RSCD; all est.).
- Saturation at 60000 DN on a ~10000 DN bias (as `napari_showermask.synthetic.demo`): a
  pixel is flagged ``SATURATED`` from the group it reaches it on, and its value held there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "BIAS",
    "CR_RATE",
    "GAIN",
    "JUMP_SIGMA",
    "READ_NOISE",
    "SATURATION",
    "CosmicRay",
    "draw_cosmic_rays",
    "read_frame",
    "residue_amplitude",
]

GAIN = 4.0  # e-/DN
READ_NOISE = 6.0  # DN per read
ROW_NOISE = 1.5  # DN per row and read (est.)
BIAS = 10000.0  # DN
SATURATION = 60000.0  # DN
CR_RATE = 5.0 * (25e-4) ** 2  # events per pixel per second (5 per cm2 per s, 25 um pixels)
CR_MEDIAN, CR_LOG_SIGMA = 150.0, 1.2  # DN (est.)
IPC = 0.02  # share of a hit seen by each of the 4 neighbours (est.)
JUMP_SIGMA = 4.0 * math.sqrt(2) * READ_NOISE  # DN: the jump step's 4-sigma step
NEIGHBOUR_SIGMA = 30.0 * math.sqrt(2) * READ_NOISE  # DN: steps whose neighbours are flagged
RESIDUE_TAU = 1.5  # groups (est.)


@dataclass(frozen=True)
class CosmicRay:
    """An ordinary cosmic-ray hit.

    Attributes
    ----------
    integration, group : int
        Where it lands: it adds charge from that group's read on.
    pixels : tuple of (y, x, DN)
        The charge it leaves on each pixel (core, track and inter-pixel capacitance).
    flagged : tuple of (y, x)
        The pixels the jump step would flag ``JUMP_DET`` at that group.
    """

    integration: int
    group: int
    pixels: tuple[tuple[int, int, float], ...]
    flagged: tuple[tuple[int, int], ...]


def draw_cosmic_rays(
    rng: np.random.Generator, shape: tuple[int, int, int, int], group_time: float
) -> list[CosmicRay]:
    """Draw the ordinary cosmic rays of a ramp.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
        ``(nints, ngroups, ny, nx)``.
    group_time : float
        Seconds per group.

    Returns
    -------
    list of CosmicRay
        Hits in groups 1 and later (a hit before the first read is just charge).
    """
    nints, ngroups, ny, nx = shape
    count = int(rng.poisson(CR_RATE * ny * nx * group_time * nints * (ngroups - 1)))
    hits = []
    for _ in range(count):
        i, g = int(rng.integers(nints)), int(rng.integers(1, ngroups))
        y, x = int(rng.integers(ny)), int(rng.integers(nx))
        energy = CR_MEDIAN * math.exp(rng.normal(0, CR_LOG_SIGMA))
        track = [(y, x)]
        if rng.random() < 0.3:
            dy, dx = [(0, 1), (1, 0), (1, 1), (1, -1)][int(rng.integers(4))]
            track += [(y + k * dy, x + k * dx) for k in range(1, int(rng.integers(2, 5)))]
        charge: dict[tuple[int, int], float] = {}
        for ty, tx in track:
            share = energy / len(track)
            charge[ty, tx] = charge.get((ty, tx), 0.0) + share * (1 - 4 * IPC)
            for ny_, nx_ in ((ty - 1, tx), (ty + 1, tx), (ty, tx - 1), (ty, tx + 1)):
                charge[ny_, nx_] = charge.get((ny_, nx_), 0.0) + share * IPC
        inside = {p: c for p, c in charge.items() if 0 <= p[0] < ny and 0 <= p[1] < nx}
        flagged = {p for p, c in inside.items() if c > JUMP_SIGMA}
        for (py, px), c in inside.items():
            if c > NEIGHBOUR_SIGMA:
                near = ((py - 1, px), (py + 1, px), (py, px - 1), (py, px + 1))
                flagged |= {q for q in near if q in inside}
        pixels = tuple((py, px, c) for (py, px), c in sorted(inside.items()))
        hits.append(CosmicRay(i, g, pixels, tuple(sorted(flagged))))
    return hits


def residue_amplitude(
    rng: np.random.Generator, shape_yx: tuple[int, int], integration: int
) -> npt.NDArray[np.float64]:
    """Offset (DN) the reset-anomaly and RSCD corrections leave at group 0 of an integration.

    It decays as ``exp(-group / RESIDUE_TAU)``.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape_yx : tuple of int
    integration : int
        After the first integration the residue is 1.5 times larger (RSCD).

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` float64.
    """
    ny, nx = shape_yx
    amplitude = float(rng.uniform(-6, 6)) + rng.normal(0, 2, (ny, 1)) + rng.normal(0, 2, (ny, nx))
    return np.asarray(amplitude * (1.5 if integration else 1.0), dtype=np.float64)


def read_frame(
    rng: np.random.Generator, charge: npt.NDArray[np.float64], offset: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """One read: the accumulated charge plus bias/offset, read noise and row noise, DN.

    Parameters
    ----------
    rng : numpy.random.Generator
    charge : numpy.ndarray
        ``(ny, nx)`` accumulated charge, DN.
    offset : numpy.ndarray
        ``(ny, nx)`` bias plus residue, DN.

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` float64, not yet clipped at saturation.
    """
    ny, nx = charge.shape
    noise = rng.normal(0, READ_NOISE, (ny, nx)) + rng.normal(0, ROW_NOISE, (ny, 1))
    return np.asarray(charge + offset + noise, dtype=np.float64)
