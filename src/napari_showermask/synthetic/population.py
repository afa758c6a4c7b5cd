"""The shower population of realistic MIRI scenes: how many, when, where, how bright, how big.

Every number is taken from the published facts gathered in the project's domain notes
("What real MIRI showers look like"), which name their sources; an estimate where nothing
is published is marked (est.). None is chosen for what a detector finds easy.

- Rate: about one shower per 40 s on a detector (JDox "Shower and snowball artifacts": a
  snowball every ~20 s per 2k x 2k near-IR array, mid-IR showers at least 2x rarer). A
  cut-out sees the same rate per pixel, for showers centred on it or within `MARGIN`.
- Brightness: "a low level of excess counts", "never in excess of a few DN/s" (jwst issue
  #8616, stcal PR #306), the jump step's ``max_shower_amplitude`` 4 DN/s; a peak of ~2 DN/s
  typical. Drawn log-normal around `PEAK_MEDIAN` so that roughly one in seven is below
  1 DN/s and one in six above 3 DN/s (est.), clipped to `PEAK_RANGE`.
- Size and shape: "hundreds of pixels", "elongated and irregular", "only rarely circular"
  (JDox; jwst ``docs/jwst/jump/description.rst``); the jump step wants at least 50-90
  pixels and caps the radius at 200. Drawn as 1-4 overlapping lobes (est.), each an
  elongated profile with soft wings (see `napari_showermask.synthetic.glow`).
- Time: charge "released gradually" (JDox); masked 15-30 s by the jump step but "many
  showers persist for much longer" (ShowerMasking README): a fast component of tens of
  seconds and a slow tail of minutes (est.).
- First group: "bright showers are usually much larger in the first frame" (ShowerMasking
  README): a flash over a profile 1.5-3 times larger, of 0.5-2 group-times of the peak
  rate (est.).
- Primary hit: present in some showers, absent in others (stcal PR #144); half of them here
  (est.), a few hundred to a few thousand DN on 1-5 pixels, never a saturated centre.
- Idle time: a glow "can last through a reset"; showers are drawn from `LEAD_TIME` before
  the exposure's first reset, so some are already glowing at group 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DETECTOR_PIXELS",
    "LEAD_TIME",
    "MARGIN",
    "PEAK_LOG_SIGMA",
    "PEAK_MEDIAN",
    "PEAK_RANGE",
    "RATE_PER_DETECTOR",
    "Lobe",
    "ShowerDraw",
    "draw_shower",
    "draw_showers",
    "expected_count",
]

RATE_PER_DETECTOR = 1 / 40.0  # showers per second on one MIRI detector (JDox)
DETECTOR_PIXELS = 1024 * 1032  # MIRI FULL array
PEAK_MEDIAN = 1.8  # DN/s, "~2 DN/s typical" (jwst #8616, stcal #306)
PEAK_LOG_SIGMA = 0.55  # spread of ln(peak) (est.): ~14% below 1 DN/s, ~18% above 3 DN/s
PEAK_RANGE = (0.3, 6.0)  # DN/s, "never in excess of a few DN/s"
SIGMA_MEDIAN, SIGMA_LOG_SIGMA, SIGMA_RANGE = 7.0, 0.45, (3.0, 25.0)  # px, main lobe (est.)
AXIS_RATIO = (0.3, 0.85)  # "elongated", "only rarely circular" (est. range)
FAST_TAU = (10.0, 40.0)  # s, fast decay: "tens of seconds" (est.)
SLOW_TAU = (100.0, 600.0)  # s, slow tail: "minutes" (est.)
SLOW_FRACTION = (0.1, 0.4)  # share of the onset rate in the slow tail (est.)
FLASH_SCALE = (1.5, 3.0)  # "much larger in the first frame" (est. factor)
FLASH_GROUPS = (0.5, 2.0)  # flash charge, in group-times of the peak rate (est.)
PRIMARY_FRACTION = 0.5  # "present in some showers, absent in others" (est. share)
PRIMARY_DN = (300.0, 5000.0)  # DN on the hit's pixels (est.; not saturated)
LEAD_TIME = 600.0  # s of idle time before the exposure from which glows may remain
MARGIN = 20  # px: showers centred this far outside a cut-out still reach into it


@dataclass(frozen=True)
class Lobe:
    """One lobe of a shower: an elongated profile with soft wings.

    Attributes
    ----------
    dx, dy : float
        Offset of the lobe's centre from the shower's, pixels.
    sigma_major, sigma_minor : float
        Scale lengths of the profile along and across the lobe, pixels.
    theta : float
        Angle of the major axis, degrees counter-clockwise from +x.
    weight : float
        Relative brightness (the main lobe has 1).
    """

    dx: float
    dy: float
    sigma_major: float
    sigma_minor: float
    theta: float
    weight: float


@dataclass(frozen=True)
class ShowerDraw:
    """One shower as drawn, before it is placed in any integration.

    Attributes
    ----------
    onset_time : float
        Seconds after the exposure's first reset (negative: during the idle time before).
    x, y : float
        Centre, 0-based pixels of the scene.
    peak : float
        Glow rate at the brightest pixel at onset, DN/s (the flash excluded).
    lobes : tuple of Lobe
    fast_tau, slow_tau : float
        Decay times of the fast component and the slow tail, seconds.
    slow_fraction : float
        Share of the onset rate in the slow tail.
    flash_scale : float
        Size of the first group's flash relative to the glow.
    flash_charge : float
        Charge of the flash at its brightest pixel, DN.
    primary : float
        Charge of the primary hit on its pixels, DN (0: no primary hit).
    texture_seed : int
        Seed of the shower's irregular texture.
    """

    onset_time: float
    x: float
    y: float
    peak: float
    lobes: tuple[Lobe, ...]
    fast_tau: float
    slow_tau: float
    slow_fraction: float
    flash_scale: float
    flash_charge: float
    primary: float
    texture_seed: int

    def rate(self, age: float) -> float:
        """Glow rate at the brightest pixel ``age`` seconds after onset, DN/s."""
        if age < 0:
            return 0.0
        fast = (1 - self.slow_fraction) * math.exp(-age / self.fast_tau)
        return self.peak * (fast + self.slow_fraction * math.exp(-age / self.slow_tau))

    def charge(self, start: float, end: float) -> float:
        """Glow charge at the brightest pixel between two ages (seconds), DN."""
        start, end = max(start, 0.0), max(end, 0.0)
        total = 0.0
        for share, tau in (
            (1 - self.slow_fraction, self.fast_tau),
            (self.slow_fraction, self.slow_tau),
        ):
            total += share * tau * (math.exp(-start / tau) - math.exp(-end / tau))
        return self.peak * total


def expected_count(shape_yx: tuple[int, int], seconds: float, rate_factor: float = 1.0) -> float:
    """Mean number of showers centred on a scene (with `MARGIN`) in ``seconds``.

    Parameters
    ----------
    shape_yx : tuple of int
        ``(ny, nx)`` of the scene.
    seconds : float
        Length of the time window.
    rate_factor : float
        Multiplies the published rate (a high-rate episode: > 1).

    Returns
    -------
    float
    """
    ny, nx = shape_yx
    area = (ny + 2 * MARGIN) * (nx + 2 * MARGIN)
    return RATE_PER_DETECTOR * rate_factor * seconds * area / DETECTOR_PIXELS


def draw_shower(rng: np.random.Generator, onset_time: float, x: float, y: float) -> ShowerDraw:
    """Draw one shower's brightness, shape, decay, flash and primary hit.

    Parameters
    ----------
    rng : numpy.random.Generator
    onset_time, x, y : float
        When and where it begins.

    Returns
    -------
    ShowerDraw
    """
    low, high = PEAK_RANGE
    peak = float(np.clip(PEAK_MEDIAN * math.exp(rng.normal(0, PEAK_LOG_SIGMA)), low, high))
    sigma = SIGMA_MEDIAN * math.exp(rng.normal(0, SIGMA_LOG_SIGMA))
    sigma = float(np.clip(sigma, *SIGMA_RANGE))
    theta = float(rng.uniform(0, 180))
    lobes = [Lobe(0.0, 0.0, sigma, sigma * float(rng.uniform(*AXIS_RATIO)), theta, 1.0)]
    for _ in range(int(rng.choice([0, 1, 2, 3], p=[0.3, 0.35, 0.25, 0.1]))):
        along = math.radians(theta + float(rng.normal(0, 35)) + 180 * int(rng.integers(2)))
        distance = sigma * float(rng.uniform(1.0, 2.5))
        size = sigma * float(rng.uniform(0.4, 0.9))
        lobes.append(
            Lobe(
                distance * math.cos(along),
                distance * math.sin(along),
                size,
                size * float(rng.uniform(*AXIS_RATIO)),
                float(rng.uniform(0, 180)),
                float(rng.uniform(0.3, 0.9)),
            )
        )
    has_primary = rng.random() < PRIMARY_FRACTION
    primary = float(math.exp(rng.uniform(*np.log(PRIMARY_DN)))) if has_primary else 0.0
    return ShowerDraw(
        onset_time=onset_time,
        x=x,
        y=y,
        peak=peak,
        lobes=tuple(lobes),
        fast_tau=float(rng.uniform(*FAST_TAU)),
        slow_tau=float(rng.uniform(*SLOW_TAU)),
        slow_fraction=float(rng.uniform(*SLOW_FRACTION)),
        flash_scale=float(rng.uniform(*FLASH_SCALE)),
        flash_charge=peak * float(rng.uniform(*FLASH_GROUPS)),
        primary=primary,
        texture_seed=int(rng.integers(2**31)),
    )


def draw_showers(
    rng: np.random.Generator,
    shape_yx: tuple[int, int],
    end_time: float,
    rate_factor: float = 1.0,
) -> list[ShowerDraw]:
    """Draw the showers of a scene from `LEAD_TIME` before its first reset to ``end_time``.

    Arrivals are a Poisson process at `RATE_PER_DETECTOR` per detector area, uniform in
    time and over the scene widened by `MARGIN`.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape_yx : tuple of int
        ``(ny, nx)`` of the scene.
    end_time : float
        Seconds from the first reset to the last read.
    rate_factor : float
        Multiplies the published rate.

    Returns
    -------
    list of ShowerDraw
        In order of onset.
    """
    ny, nx = shape_yx
    count = int(rng.poisson(expected_count(shape_yx, LEAD_TIME + end_time, rate_factor)))
    times = np.sort(rng.uniform(-LEAD_TIME, end_time, count))
    showers = []
    for t in times:
        x = float(rng.uniform(-MARGIN, nx + MARGIN))
        y = float(rng.uniform(-MARGIN, ny + MARGIN))
        showers.append(draw_shower(rng, float(t), x, y))
    return showers
