"""Evaluate shower detection on synthetic ramps, against jwst's JumpStep(find_showers=True).

Each ramp (2 x 30 x 256 x 256 by default) gets 2-5 showers of random kind, amplitude,
size (semi-major axis 6-40 pixels), shape, orientation, decay and onset:

- bright: a primary hit flagged JUMP_DET at the onset, then a glow of 12-40 DN/s;
- idle: the glow began 1-8 groups before group 0 (no hit in the ramp), 6-20 DN/s;
- faint: 3-8 DN/s, no primary hit, decaying over 10-40 groups;
- persistent: a faint glow (3-8 DN/s) decaying over 100-400 groups, i.e. lasting the ramp;

plus bait: 1-2 saturating stars, 20 flagged cosmic rays, a bad column and, in every other
ramp, an extended source. Reported for both detectors: recall (overall and by kind), false
candidates per integration, coverage (fraction of the truth ellipse's pixels inside the
candidate), IoU of the two footprints, and the onset error in groups.

A candidate matches a truth shower of its integration when it covers at least 30% of it
with an IoU of at least 0.1 (a region flagging much of the image finds nothing); every
candidate that matches no truth shower is false.

JumpStep runs offline (override gain/readnoise, CRDS pointed nowhere) on the same ramp
with the generator's JUMP_DET flags removed (the input it would see), with the generator's
gain and read noise (`reference_models`, which stores the CDS noise jwst expects). Its
shower candidates are the connected regions, in the union over the groups of an
integration, of its JUMP_DET flags with at least ``--jump-min-area`` pixels (single cosmic
rays and their 4 neighbours are smaller); a region's onset is the first group flagging at
least ``--jump-min-area`` pixels (or a quarter) of it, so that a cosmic ray inside it does
not count. ``--jump-max-amplitude`` sets JumpStep's ``max_shower_amplitude`` (the cap
above which it reverts its shower flags; jwst's default is 4).

Usage: python benchmarks/eval_detection.py [--ramps 20] [--nints 2] [--size 256]
[--groups 30] [--seed 2026] [--jump-max-amplitude 4] [--no-jump] [--verbose]
[--tuning threshold=15 ...]
"""

from __future__ import annotations

import argparse
import math
import os
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
#: label: (generator kind, amplitude DN/s, decay groups, groups of glow before group 0)
KINDS = {
    "bright": ("bright", (12, 40), (5, 30), (0, 0)),
    "idle": ("idle", (6, 20), (8, 30), (1, 8)),
    "faint": ("faint", (3, 8), (10, 40), (0, 0)),
    "persistent": ("faint", (3, 8), (100, 400), (0, 0)),
}


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


def jump_candidates(model, shape, min_area: int, max_amplitude: float):
    """Run JumpStep(find_showers=True) and turn its JUMP_DET regions into candidates."""
    from jwst.jump import JumpStep

    gain, readnoise = reference_models(shape[-2:])
    model.groupdq &= ~np.uint8(JUMP)
    step = JumpStep(
        override_gain=gain,
        override_readnoise=readnoise,
        find_showers=True,
        max_shower_amplitude=max_amplitude,
    )
    start = time.perf_counter()
    result = step.process(model)
    elapsed = time.perf_counter() - start
    candidates = []
    flags = (result.groupdq & JUMP) != 0
    for i in range(shape[0]):
        labelled = label(flags[i].any(axis=0))
        for region in regionprops(labelled):
            if region.area >= min_area:
                mask = labelled == region.label
                per_group = flags[i][:, mask].sum(axis=1)  # a cosmic ray in it is not its start
                first = int(np.nonzero(per_group >= min(min_area, region.area // 4))[0][0])
                candidates.append((i, first, mask))
    return candidates, elapsed


def match(truths: list[Shower], candidates, shape) -> tuple[list, set[int]]:
    """Match candidates ``(integration, group, mask)`` to truths.

    Returns
    -------
    (list, set)
        Per truth shower ``(coverage, iou, onset error)`` or None when missed; the indices
        of the candidates that matched (the others are false).
    """
    used, results = set(), []
    for truth in truths:
        inside = ellipse_mask(truth, shape)
        best = None
        for n, (integration, group, mask) in enumerate(candidates):
            if integration != truth.integration:
                continue
            common = (mask & inside).sum()
            coverage, iou = common / inside.sum(), common / (mask | inside).sum()
            if coverage >= 0.3 and iou >= 0.1 and (best is None or coverage > best[1]):
                best = (n, coverage, iou, abs(group - truth.group))
        results.append(None if best is None else best[1:])
        if best is not None:
            used.add(best[0])
    return results, used


def report(name: str, truths: list[Shower], results: list, false: int, nints: int, times):
    """Print one detector's line of figures."""
    found = [r for r in results if r is not None]
    coverage = np.array([r[0] for r in found])
    iou = np.array([r[1] for r in found])
    onset = np.array([r[2] for r in found])
    kinds = {}
    for truth, result in zip(truths, results, strict=True):
        hit = kinds.setdefault(truth.extra["label"], [0, 0])
        hit[0] += result is not None
        hit[1] += 1
    by_kind = ", ".join(f"{k} {h}/{n}" for k, (h, n) in sorted(kinds.items()))
    if not found:
        coverage = iou = onset = np.array([np.nan])
    print(
        f"{name:11}{len(found) / len(truths):7.3f}{false / nints:10.2f}"
        f"{np.median(coverage):9.2f}{np.percentile(coverage, 10):9.2f}"
        f"{np.median(iou):7.2f}{np.mean(onset <= 1):10.2f}{np.max(onset):8.0f}"
        f"{np.median(times):9.2f}  {by_kind}"
    )


def _explain(n: int, truths: list[Shower], results: list, found: list[Shower], used) -> None:
    """Print the showers missed, found late or covered less than 90%, and false candidates."""
    for s, r in zip(truths, results, strict=True):
        if r is None or r[2] > 1 or r[0] < 0.9:
            what = "missed" if r is None else f"onset error {r[2]}, covered {r[0]:.2f}"
            e = s.extra
            print(
                f"ramp {n}: {what}: {e['label']} int {s.integration} group {s.group} at "
                f"({s.x:.0f}, {s.y:.0f}) a {s.semi_major:.1f} b {s.semi_minor:.1f} "
                f"{e['amplitude']:.1f} DN/s decay {e['decay_groups']:.0f} groups"
            )
    for k, s in enumerate(found):
        if k not in used:
            print(
                f"ramp {n}: false candidate int {s.integration} group {s.group} at "
                f"({s.x:.0f}, {s.y:.0f}) a {s.semi_major:.1f} score {s.extra['score']}"
            )


def main() -> None:
    """Run the evaluation and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ramps", type=int, default=20)
    parser.add_argument("--nints", type=int, default=2)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jump-min-area", type=int, default=20)
    parser.add_argument("--jump-max-amplitude", type=float, default=4.0, help="jwst default 4")
    parser.add_argument("--no-jump", action="store_true", help="skip JumpStep")
    parser.add_argument("--verbose", action="store_true", help="list misses and false candidates")
    parser.add_argument(
        "--tuning", nargs="*", default=[], metavar="NAME=VALUE", help="detect_showers options"
    )
    args = parser.parse_args()
    shape = (args.nints, args.groups, args.size, args.size)
    tuning = {k: float(v) for k, v in (item.split("=", 1) for item in args.tuning)}
    rng = np.random.default_rng(args.seed)
    names = ["showermask"] + ([] if args.no_jump else ["JumpStep"])
    runs = {name: {"results": [], "false": 0, "times": []} for name in names}
    truths: list[Shower] = []
    scratch = Path(tempfile.mkdtemp(prefix="eval_"))
    stars = [(0.28 * args.size, 0.28 * args.size), (0.75 * args.size, 0.55 * args.size)]
    for n in range(args.ramps):
        showers = random_showers(rng, shape, stars)
        model, truth = make_ramp(
            shape,
            showers,
            seed=args.seed + n,
            n_stars=int(rng.integers(1, 3)),
            n_cosmic_rays=20,
            bad_column=int(rng.integers(5, args.size - 5)),
            extended_source=bool(n % 2),
        )
        truths += truth.showers
        path = scratch / f"eval{n}_jump.fits"
        model.save(path)
        with open_product(path) as product:
            start = time.perf_counter()
            found = detect_showers(product, **tuning)
            elapsed = time.perf_counter() - start
        mine = [(s.integration, s.group, ellipse_mask(s, shape[-2:])) for s in found]
        candidates = {"showermask": (mine, elapsed)}
        if not args.no_jump:
            candidates["JumpStep"] = jump_candidates(
                model, shape, args.jump_min_area, args.jump_max_amplitude
            )
        for name, (cands, seconds) in candidates.items():
            results, used = match(truth.showers, cands, shape[-2:])
            runs[name]["results"] += results
            runs[name]["false"] += len(cands) - len(used)
            runs[name]["times"].append(seconds)
            if args.verbose and name == "showermask":
                _explain(n, truth.showers, results, found, used)
        path.unlink()
    nints = args.ramps * args.nints
    print(f"{args.ramps} ramps of {shape}: {nints} integrations, {len(truths)} showers")
    print(
        f"{'':11}{'recall':>7}{'false/int':>10}{'coverage':>9}{'cov p10':>9}{'IoU':>7}"
        f"{'onset<=1':>10}{'max err':>8}{'median s':>9}  recall by kind"
    )
    for name, run in runs.items():
        report(name, truths, run["results"], run["false"], nints, run["times"])
    print("coverage, IoU: medians over found showers; cov p10: 10th percentile of coverage")
    print("targets: recall >= 0.95, <= 0.2 false candidates per integration, onset within 1")


if __name__ == "__main__":
    main()
