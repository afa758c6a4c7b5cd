"""Random shower scenes for `eval_detection.py`: showers apart, or crowded and touching."""

from __future__ import annotations

import math

import numpy as np

from napari_showermask.core.shower import Shower

#: label: (generator kind, amplitude DN/s, decay groups, groups of glow before group 0)
KINDS = {
    "bright": ("bright", (12, 40), (5, 30), (0, 0)),
    "idle": ("idle", (6, 20), (8, 30), (1, 8)),
    "faint": ("faint", (3, 8), (10, 40), (0, 0)),
    "persistent": ("faint", (3, 8), (100, 400), (0, 0)),
}


def _draw(rng, name: str, integration: int, ngroups: int, size: tuple[float, float]) -> Shower:
    """Draw a shower of a kind, at the origin, with random amplitude, shape and onset."""
    kind, (a0, a1), (d0, d1), (p0, p1) = KINDS[name]
    a = float(rng.uniform(*size))
    b = a * float(rng.uniform(0.35, 1.0))
    group = 0 if kind == "idle" else int(rng.integers(2, ngroups - 6))
    extra = {
        "kind": kind,
        "label": name,
        "amplitude": float(rng.uniform(a0, a1)),
        "decay_groups": float(rng.uniform(d0, d1)),
        "pre_groups": float(rng.uniform(p0, p1)),
    }
    return Shower(integration, group, 0.0, 0.0, a, b, float(rng.uniform(0, 180)), extra=extra)


def _fits(s: Shower, placed: list[Shower], stars, shape, gap: float) -> bool:
    """Whether a shower lies in the frame, away from the stars and ``gap`` from the others."""
    ny, nx = shape[-2:]
    r = s.semi_major
    inside = r + 2 <= s.x <= nx - r - 2 and r + 2 <= s.y <= ny - r - 2
    clear = all(math.hypot(s.x - x, s.y - y) > r + 10 for x, y in stars)
    return (
        inside
        and clear
        and all(
            math.hypot(s.x - o.x, s.y - o.y) > r + o.semi_major + gap
            for o in placed
            if o.integration == s.integration
        )
    )


def random_showers(rng: np.random.Generator, shape, stars) -> list[Shower]:
    """Draw 2-5 showers of random kinds, apart from each other and from the stars."""
    nints, ngroups, ny, nx = shape
    wanted = int(rng.integers(2, 6))
    showers: list[Shower] = []
    while len(showers) < wanted:
        name = str(rng.choice(list(KINDS)))
        kind, (a0, a1), (d0, d1), (p0, p1) = KINDS[name]
        a = float(rng.uniform(6, 40))
        b = a * float(rng.uniform(0.35, 1.0))
        x, y = (float(v) for v in rng.uniform(a + 2, np.array([nx, ny]) - a - 2))
        integration = int(rng.integers(nints))
        group = 0 if kind == "idle" else int(rng.integers(2, ngroups - 6))
        apart = all(
            math.hypot(x - s.x, y - s.y) > a + s.semi_major + 4
            for s in showers
            if s.integration == integration
        )
        if not apart or any(math.hypot(x - sx, y - sy) < a + 12 for sx, sy in stars):
            continue
        extra = {
            "kind": kind,
            "label": name,
            "amplitude": float(rng.uniform(a0, a1)),
            "decay_groups": float(rng.uniform(d0, d1)),
            "pre_groups": float(rng.uniform(p0, p1)),
        }
        theta = float(rng.uniform(0, 180))
        showers.append(Shower(integration, group, x, y, a, b, theta, extra=extra))
    return showers


#: groups of touching or overlapping showers with different onsets, for crowded frames
GROUPS = [("idle", "bright"), ("faint", "bright"), ("idle", "faint"), ("persistent", "bright")]
CHAINS = [("faint", "idle", "bright"), ("idle", "faint", "bright"), ("bright", "faint", "idle")]


def _cluster(rng, names, integration: int, shape, stars, placed) -> list[Shower] | None:
    """Place a chain of showers, each touching or overlapping the previous one."""
    ngroups = shape[1]
    for _ in range(200):
        chain = [_draw(rng, name, integration, ngroups, (7, 18)) for name in names]
        onsets = [s.group for s in chain]
        if any(abs(p - q) < 4 for k, p in enumerate(onsets) for q in onsets[:k]):
            continue  # different onsets: at least 4 groups apart
        x, y = rng.uniform(20, np.array(shape[-2:][::-1]) - 20)
        out = [chain[0].moved(x=float(x), y=float(y))]
        for s in chain[1:]:
            prev, angle = out[-1], rng.uniform(0, 2 * math.pi)
            # centres closer than the sum of the mean radii: touching or overlapping
            reach = (prev.semi_major + prev.semi_minor + s.semi_major + s.semi_minor) / 2
            d = reach * float(rng.uniform(0.55, 0.95))
            out.append(s.moved(x=prev.x + d * math.cos(angle), y=prev.y + d * math.sin(angle)))
        if all(_fits(s, placed, stars, shape, 3) for s in out):
            crowd = "pair" if len(out) == 2 else "chain"
            return [s.moved(extra={**s.extra, "crowd": crowd}) for s in out]
    return None


def crowded_showers(rng: np.random.Generator, shape, stars) -> list[Shower]:
    """Draw 3-6 showers per integration: touching pairs or chains of three, and others.

    A pair or chain has onsets at least 4 groups apart and each shower's centre closer to
    the previous one's than 0.55-0.95 times the sum of their mean radii. ``extra['crowd']``
    says ``pair``, ``chain`` or ``alone``.
    """
    nints, ngroups = shape[:2]
    showers: list[Shower] = []
    for i in range(nints):
        wanted = int(rng.integers(3, 7))
        mine: list[Shower] = []
        for _ in range(1000):
            if len(mine) >= wanted:
                break
            room = wanted - len(mine)
            pick = [GROUPS[k] for k in range(len(GROUPS))] + (CHAINS if room >= 3 else [])
            names = pick[int(rng.integers(len(pick)))] if room >= 2 else None
            if names is not None and (not mine or rng.random() < 0.5):
                found = _cluster(rng, names, i, shape, stars, showers + mine)
                if found:
                    mine += found
                continue
            s = _draw(rng, str(rng.choice(list(KINDS))), i, ngroups, (6, 18))
            xy = rng.uniform(s.semi_major + 2, np.array(shape[-2:][::-1]) - s.semi_major - 2)
            s = s.moved(x=float(xy[0]), y=float(xy[1]), extra={**s.extra, "crowd": "alone"})
            if _fits(s, showers + mine, stars, shape, 4):
                mine.append(s)
        showers += mine
    return showers
