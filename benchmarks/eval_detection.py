"""Evaluate shower detection on synthetic ramps, against jwst's JumpStep(find_showers=True).

Each ramp (2 x 30 x 256 x 256 by default) gets 2-5 showers of random kind (bright with a
primary hit, begun during idle time, faint with no primary), amplitude, size, shape,
decay and onset, plus bait: 1-2 saturating stars, 20 flagged cosmic rays, a bad column
and, in half of the ramps, an extended source. Reported for both detectors:
recall, false candidates per integration, coverage (fraction of the truth footprint inside
the candidate), IoU of footprints, and onset error in groups.

JumpStep runs offline (override gain/readnoise, CRDS pointed nowhere) on the same ramp with
the generator's JUMP_DET flags removed (the input it would see); its shower candidates are
the connected JUMP_DET regions of at least ``--jump-min-area`` pixels in an integration,
with the earliest group flagged in the region as onset.

Usage: python benchmarks/eval_detection.py [--ramps N] [--size 256] [--groups 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CRDS_PATH", tempfile.mkdtemp(prefix="crds_"))
os.environ.setdefault("CRDS_SERVER_URL", "http://127.0.0.1:9")

import numpy as np  # noqa: E402
from skimage.measure import label, regionprops  # noqa: E402
from stdatamodels.jwst.datamodels import dqflags  # noqa: E402

from napari_showermask.catalog import Shower  # noqa: E402
from napari_showermask.detection import detect_showers  # noqa: E402
from napari_showermask.geometry import ellipse_mask  # noqa: E402
from napari_showermask.products import open_product  # noqa: E402
from napari_showermask.synthetic import make_ramp, reference_models  # noqa: E402

JUMP = dqflags.group["JUMP_DET"]
RANGES = {  # kind: amplitude DN/s, decay groups, groups of glow before group 0
    "bright": ((12, 40), (5, 30), (0, 0)),
    "idle": ((6, 20), (8, 30), (1, 8)),
    "faint": ((3, 8), (10, 40), (0, 0)),
}


def random_showers(rng, shape, stars):
    nints, ngroups, ny, nx = shape
    showers: list[Shower] = []
    while len(showers) < rng.integers(2, 6):
        kind = str(rng.choice(list(RANGES)))
        (a0, a1), (d0, d1), (p0, p1) = RANGES[kind]
        a = float(rng.uniform(8, 30))
        b = a * float(rng.uniform(0.4, 1.0))
        x, y = (float(v) for v in rng.uniform(a + 2, np.array([nx, ny]) - a - 2))
        integration = int(rng.integers(nints))
        group = 0 if kind == "idle" else int(rng.integers(2, ngroups - 6))
        clear = all(
            np.hypot(x - s.x, y - s.y) > a + s.semi_major + 4
            for s in showers
            if s.integration == integration
        ) and all(np.hypot(x - sx, y - sy) > a + 12 for sx, sy in stars)
        if not clear:
            continue
        extra = {
            "kind": kind,
            "amplitude": float(rng.uniform(a0, a1)),
            "decay_groups": float(rng.uniform(d0, d1)),
            "pre_groups": float(rng.uniform(p0, p1)),
        }
        showers.append(
            Shower(integration, group, x, y, a, b, float(rng.uniform(0, 180)), extra=extra)
        )
    return showers


def footprint_of(candidate, shape):
    if isinstance(candidate, Shower):
        return ellipse_mask(candidate, shape)
    return candidate["mask"]


def score(truths, candidates, shape, nints):
    """Match candidates to truths; return the figures.

    A candidate matches a truth in its integration when it covers at least 30% of the
    truth footprint and their IoU is at least 0.1 (a region flagging much of the image
    does not count as finding a shower).
    """
    matched, coverage, iou, onset = 0, [], [], []
    used = set()
    for truth in truths:
        inside = ellipse_mask(truth, shape)
        best, best_overlap = None, 0.0
        for n, cand in enumerate(candidates):
            if cand_integration(cand) != truth.integration:
                continue
            region = footprint_of(cand, shape)
            overlap = (region & inside).sum() / inside.sum()
            if (region & inside).sum() / (region | inside).sum() < 0.1:
                continue
            if overlap > best_overlap:
                best, best_overlap = n, overlap
        if best is not None and best_overlap >= 0.3:
            matched += 1
            used.add(best)
            region = footprint_of(candidates[best], shape)
            coverage.append(best_overlap)
            iou.append((region & inside).sum() / (region | inside).sum())
            onset.append(abs(cand_group(candidates[best]) - truth.group))
    false = len(candidates) - len(used)
    return matched, false, coverage, iou, onset


def cand_integration(cand):
    return cand.integration if isinstance(cand, Shower) else cand["integration"]


def cand_group(cand):
    return cand.group if isinstance(cand, Shower) else cand["group"]


def jump_candidates(model, shape, min_area):
    """Run JumpStep(find_showers=True) and turn its JUMP_DET regions into candidates."""
    from jwst.jump import JumpStep

    gain, readnoise = reference_models(shape[-2:])
    model.groupdq &= ~np.uint8(JUMP)
    step = JumpStep(override_gain=gain, override_readnoise=readnoise, find_showers=True)
    start = time.perf_counter()
    result = step.process(model)
    elapsed = time.perf_counter() - start
    candidates = []
    flags = (result.groupdq & JUMP) != 0
    for i in range(shape[0]):
        any_group = flags[i].any(axis=0)
        labelled = label(any_group)
        for region in regionprops(labelled):
            if region.area < min_area:
                continue
            mask = labelled == region.label
            groups = np.nonzero(flags[i][:, mask].any(axis=1))[0]
            candidates.append({"integration": i, "group": int(groups[0]), "mask": mask})
    return candidates, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ramps", type=int, default=20)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--jump-min-area", type=int, default=20)
    parser.add_argument("--no-jump", action="store_true", help="skip JumpStep")
    args = parser.parse_args()
    shape = (2, args.groups, args.size, args.size)
    rng = np.random.default_rng(2026)
    totals = {name: {"truth": 0, "matched": 0, "false": 0, "cov": [], "iou": [], "onset": [],
                     "time": [], "kinds": {}} for name in ("showermask", "JumpStep")}  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="eval_"))
    for n in range(args.ramps):
        stars = [(0.28 * args.size, 0.28 * args.size), (0.75 * args.size, 0.55 * args.size)]
        showers = random_showers(rng, shape, stars)
        model, truth = make_ramp(shape, showers, seed=n, n_stars=int(rng.integers(1, 3)),
                                 n_cosmic_rays=20, bad_column=int(rng.integers(5, args.size - 5)),
                                 extended_source=bool(n % 2))  # fmt: skip
        path = scratch / f"eval{n}_jump.fits"
        model.save(path)
        with open_product(path) as product:
            start = time.perf_counter()
            found = detect_showers(product)
            mine = time.perf_counter() - start
        runs = [("showermask", found, mine)]
        if not args.no_jump:
            runs.append(("JumpStep", *jump_candidates(model, shape, args.jump_min_area)))
        for name, candidates, elapsed in runs:
            matched, false, cov, iou, onset = score(truth.showers, candidates, shape[-2:], 2)
            t = totals[name]
            t["truth"] += len(truth.showers)
            t["matched"] += matched
            t["false"] += false
            t["cov"] += cov
            t["iou"] += iou
            t["onset"] += onset
            t["time"].append(elapsed)
            for s in truth.showers:
                kind = t["kinds"].setdefault(s.extra["kind"], [0, 0])
                kind[1] += 1
            for s, hit in zip(truth.showers, _hits(truth.showers, candidates, shape), strict=True):
                t["kinds"][s.extra["kind"]][0] += hit
        path.unlink()
    print(f"{args.ramps} ramps of {shape}, {2 * args.ramps} integrations")
    header = f"{'':12}{'recall':>8}{'false/int':>11}{'coverage':>10}{'IoU':>7}{'onset<=1':>10}"
    print(header + f"{'median s':>10}  recall by kind")
    for name, t in totals.items():
        if not t["time"]:
            continue
        recall = t["matched"] / t["truth"]
        within = np.mean([o <= 1 for o in t["onset"]]) if t["onset"] else float("nan")
        kinds = ", ".join(f"{k} {h}/{n}" for k, (h, n) in sorted(t["kinds"].items()))
        print(
            f"{name:12}{recall:8.3f}{t['false'] / (2 * args.ramps):11.2f}"
            f"{_median(t['cov']):10.2f}{_median(t['iou']):7.2f}{within:10.2f}"
            f"{statistics.median(t['time']):10.2f}  {kinds}"
        )
    print("targets: recall >= 0.95, <= 0.2 false candidates per integration, onset within 1 group")


def _hits(truths, candidates, shape):
    return [score([t], candidates, shape[-2:], 2)[0] for t in truths]


def _median(values):
    return statistics.median(values) if values else float("nan")


if __name__ == "__main__":
    main()
