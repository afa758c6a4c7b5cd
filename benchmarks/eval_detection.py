"""Evaluate shower detection on synthetic ramps, against jwst's JumpStep(find_showers=True).

By default each ramp (2 x 30 x 256 x 256) gets 2-5 showers apart from each other, of random
kind, amplitude, size (semi-major axis 6-40 pixels), shape, orientation, decay and onset:

- bright: a primary hit flagged JUMP_DET at the onset, then a glow of 12-40 DN/s;
- idle: the glow began 1-8 groups before group 0 (no hit in the ramp), 6-20 DN/s;
- faint: 3-8 DN/s, no primary hit, decaying over 10-40 groups;
- persistent: a faint glow (3-8 DN/s) decaying over 100-400 groups, i.e. lasting the ramp;

With ``--crowded`` (128 x 128 by default), every integration gets 3-6 showers: touching or
overlapping pairs and chains of three with onsets at least 4 groups apart (idle + bright,
faint + bright, idle + faint, persistent + bright; faint, idle, bright in either order),
and showers apart (`eval_scenes`).

Both get bait: 1-2 saturating stars, 20 flagged cosmic rays, a bad column and, in every
other ramp, an extended source. Reported for each detector (this package's, any
``--baseline`` module's, e.g. a copy of an earlier version, and JumpStep's):

- recall (overall, by kind and, crowded, by pair / chain / alone) and false candidates per
  integration: candidates are matched one to one to truth showers of their integration,
  highest IoU first, when they cover at least 30% of it with an IoU of at least
  ``--min-iou`` (0.3); a candidate spanning two showers finds one of them; every
  unmatched candidate is false;
- mask coverage: the fraction of the truth (pixel, group >= onset) cells, over the groups
  the fit uses (group 0 and the last group are DO_NOT_USE), that the candidates, all
  accepted, would mask: from their group on, or every group where fewer than two usable
  groups precede their group (the masking rule then drops the pixel);
- late-onset rate: the fraction of truth showers with more than 5% of their pixels masked,
  but only from a group later than their onset;
- for matched showers: footprint coverage (median, 10th percentile), IoU, onset error.

JumpStep runs offline (override gain/readnoise, CRDS pointed nowhere) on the same ramp
with the generator's JUMP_DET flags removed (the input it would see), with the generator's
gain and read noise (`reference_models`, which stores the CDS noise jwst expects). Its
shower candidates are the connected regions, in the union over the groups of an
integration, of its JUMP_DET flags with at least ``--jump-min-area`` pixels (single cosmic
rays and their 4 neighbours are smaller); a region's onset is the first group flagging at
least ``--jump-min-area`` pixels (or a quarter) of it, so that a cosmic ray inside it does
not count. ``--jump-max-amplitude`` sets JumpStep's ``max_shower_amplitude`` (the cap
above which it reverts its shower flags; jwst's default is 4).

With ``--realistic``, realistic MIRI exposures instead, judged by the rate bias the masking
leaves (`eval_realistic`): ``--seeds`` (default the held-out seeds 101-110, never used for
tuning; tune on 1-5), ``--json PATH``, ``--no-jump``, ``--tuning``, ``--pictures DIR``
(PNGs of the largest showers missed on tuning seeds).

Usage: python benchmarks/eval_detection.py [--crowded] [--ramps 20] [--nints 2] [--size N]
[--groups 30] [--seed 2026] [--min-iou 0.3] [--jump-max-amplitude 4] [--no-jump]
[--baseline MODULE ...] [--verbose] [--tuning threshold=15 ...]
       python benchmarks/eval_detection.py --realistic [--seeds 101-110] [--json PATH] [--no-jump]
       [--pictures DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CRDS_PATH", tempfile.mkdtemp(prefix="crds_"))
os.environ.setdefault("CRDS_SERVER_URL", "http://127.0.0.1:9")

import numpy as np  # noqa: E402
from eval_scenes import crowded_showers, random_showers  # noqa: E402
from skimage.measure import label, regionprops  # noqa: E402
from stdatamodels.jwst.datamodels import dqflags  # noqa: E402

from napari_showermask.core.geometry import ellipse_mask  # noqa: E402
from napari_showermask.core.products import open_product  # noqa: E402
from napari_showermask.detect.detector import detect_showers  # noqa: E402
from napari_showermask.detect.params import DetectionParams  # noqa: E402
from napari_showermask.io.catalog import Shower  # noqa: E402
from napari_showermask.synthetic.demo import make_ramp, reference_models  # noqa: E402

JUMP = dqflags.group["JUMP_DET"]


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


def match(truths: list[Shower], candidates, shape, min_iou: float) -> tuple[list, set[int]]:
    """Match candidates ``(integration, group, mask)`` to truths, one to one.

    Pairs covering at least 30% of the truth with an IoU of at least ``min_iou`` are taken
    highest IoU first; a candidate matches one truth at most (one candidate spanning two
    showers finds one of them).

    Returns
    -------
    (list, set)
        Per truth shower ``(coverage, iou, onset error)`` or None when missed; the indices
        of the candidates that matched (the others are false).
    """
    pairs = []
    for t, truth in enumerate(truths):
        inside = ellipse_mask(truth, shape)
        for n, (integration, group, mask) in enumerate(candidates):
            common = (mask & inside).sum() if integration == truth.integration else 0
            if common:
                coverage, iou = common / inside.sum(), common / (mask | inside).sum()
                if coverage >= 0.3 and iou >= min_iou:
                    pairs.append((iou, t, n, coverage, abs(group - truth.group)))
    results: list = [None] * len(truths)
    used: set[int] = set()
    for iou, t, n, coverage, error in sorted(pairs, reverse=True):
        if results[t] is None and n not in used:
            results[t] = (coverage, iou, error)
            used.add(n)
    return results, used


def masking(truths: list[Shower], candidates, shape) -> tuple[int, int, list[bool]]:
    """Return the truth cells masked, all truth cells, and per truth whether it is late.

    A truth cell is (pixel of a truth ellipse, group g) with g from the shower's onset to
    the last group used by the fit (group 0 and the last group are DO_NOT_USE here). A
    candidate ``(integration, group, mask)``, accepted, masks its pixels from its group
    on, and every group of them when fewer than two usable groups precede its group
    (the masking rule then adds DO_NOT_USE: the fit drops the pixel). A truth shower is
    late when more than 5% of its pixels are masked, but only from a group later than its
    onset.
    """
    nints, ngroups, ny, nx = shape
    last, masked, total, late = ngroups - 2, 0, 0, []
    for i in range(nints):
        earliest = np.full((ny, nx), np.inf)
        for integration, group, mask in candidates:
            if integration == i:
                effective = 0 if group - 1 < 2 else group  # groups 1..group-1 are usable
                earliest[mask] = np.minimum(earliest[mask], effective)
        onset = np.full((ny, nx), np.inf)
        for truth in (t for t in truths if t.integration == i):
            inside = ellipse_mask(truth, (ny, nx))
            start = max(truth.group, 1)
            onset[inside] = np.minimum(onset[inside], start)
            later = np.isfinite(earliest[inside]) & (earliest[inside] > start)
            late.append(later.mean() > 0.05)
        has = np.isfinite(onset)
        total += int((last - onset[has] + 1).sum())
        masked += int(np.clip(last - np.maximum(onset, earliest)[has] + 1, 0, None).sum())
    return masked, total, late


def report(name: str, truths: list[Shower], run: dict, nints: int) -> None:
    """Print one detector's line of figures."""
    results = run["results"]
    found = [r for r in results if r is not None]
    coverage = np.array([r[0] for r in found] or [np.nan])
    iou = np.array([r[1] for r in found] or [np.nan])
    onset = np.array([r[2] for r in found] or [np.nan])
    groups: dict[str, list[int]] = {}
    for truth, result in zip(truths, results, strict=True):
        for key in (truth.extra["label"], truth.extra.get("crowd")):
            if key:
                hit = groups.setdefault(key, [0, 0])
                hit[0] += result is not None
                hit[1] += 1
    by_kind = ", ".join(f"{k} {h}/{n}" for k, (h, n) in sorted(groups.items()))
    print(
        f"{name:11}{len(found) / len(truths):7.3f}{run['false'] / nints:10.2f}"
        f"{run['masked'] / run['cells']:9.3f}{np.mean(run['late']):7.3f}"
        f"{np.median(coverage):9.2f}{np.percentile(coverage, 10):9.2f}"
        f"{np.median(iou):7.2f}{np.mean(onset <= 1):10.2f}{np.max(onset):8.0f}"
        f"{np.median(run['times']):9.2f}  {by_kind}"
    )


def _explain(n: int, truths: list[Shower], results: list, found: list[Shower], used, late):
    """Print the showers missed, late, found late or covered less than 90%, and false ones."""
    for s, r, is_late in zip(truths, results, late, strict=True):
        if r is None or r[2] > 1 or r[0] < 0.9 or is_late:
            what = "missed" if r is None else f"onset error {r[2]}, covered {r[0]:.2f}"
            what += ", LATE" if is_late else ""
            e = s.extra
            print(
                f"ramp {n}: {what}: {e['label']} {e.get('crowd', '')} int {s.integration} "
                f"group {s.group} at "
                f"({s.x:.0f}, {s.y:.0f}) a {s.semi_major:.1f} b {s.semi_minor:.1f} "
                f"{e['amplitude']:.1f} DN/s decay {e['decay_groups']:.0f} groups"
            )
    for k, s in enumerate(found):
        if k not in used:
            print(
                f"ramp {n}: false candidate int {s.integration} group {s.group} at "
                f"({s.x:.0f}, {s.y:.0f}) a {s.semi_major:.1f} score {s.extra['score']}"
            )


def _detectors(args) -> dict:
    """The detectors to compare: this package's, and the ``--baseline`` modules'."""
    detectors = {"showermask": detect_showers}
    for k, name in enumerate(args.baseline):
        label_ = f"baseline{k + 1}" if len(args.baseline) > 1 else "baseline"
        detectors[label_] = importlib.import_module(name).detect_showers
    return detectors


def main() -> None:
    """Run the evaluation and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ramps", type=int, default=20)
    parser.add_argument("--nints", type=int, default=2)
    parser.add_argument("--size", type=int, help="default 256, crowded 128")
    parser.add_argument("--groups", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--crowded", action="store_true", help="3-6 touching showers per int")
    parser.add_argument("--min-iou", type=float, default=0.3, help="IoU a match needs")
    parser.add_argument("--jump-min-area", type=int, default=20)
    parser.add_argument("--jump-max-amplitude", type=float, default=4.0, help="jwst default 4")
    parser.add_argument("--no-jump", action="store_true", help="skip JumpStep")
    parser.add_argument(
        "--baseline",
        nargs="*",
        default=[],
        metavar="MODULE",
        help="also evaluate MODULE.detect_showers (e.g. an earlier version)",
    )
    parser.add_argument("--verbose", action="store_true", help="list misses and false candidates")
    parser.add_argument(
        "--tuning", nargs="*", default=[], metavar="NAME=VALUE", help="DetectionParams fields"
    )  # fmt: skip
    parser.add_argument(
        "--realistic", action="store_true", help="realistic MIRI exposures (eval_realistic)"
    )
    parser.add_argument(
        "--seeds",
        default="101-110",
        help="realistic: seeds, e.g. 1-5 (tuning) or 101-110 (held out, the default)",
    )
    parser.add_argument("--json", type=Path, help="realistic: write the figures here")
    parser.add_argument(
        "--pictures", type=Path, help="realistic: PNGs of the largest missed showers (seeds 1-5)"
    )
    args = parser.parse_args()
    if args.realistic:
        import eval_realistic

        eval_realistic.run(
            eval_realistic.parse_seeds(args.seeds),
            jump=not args.no_jump,
            json_path=args.json,
            pictures=args.pictures,
            params=DetectionParams().updated(args.tuning) if args.tuning else None,
        )
        return
    size = args.size or (128 if args.crowded else 256)
    shape = (args.nints, args.groups, size, size)
    params = DetectionParams().updated(args.tuning)
    rng = np.random.default_rng(args.seed)
    detectors = _detectors(args)
    names = list(detectors) + ([] if args.no_jump else ["JumpStep"])
    runs = {
        name: {"results": [], "false": 0, "times": [], "masked": 0, "cells": 0, "late": []}
        for name in names
    }
    truths: list[Shower] = []
    scratch = Path(tempfile.mkdtemp(prefix="eval_"))
    stars = [(0.28 * size, 0.28 * size), (0.75 * size, 0.55 * size)]
    draw = crowded_showers if args.crowded else random_showers
    for n in range(args.ramps):
        showers = draw(rng, shape, stars)
        model, truth = make_ramp(
            shape,
            showers,
            seed=args.seed + n,
            n_stars=int(rng.integers(1, 3)),
            n_cosmic_rays=20,
            bad_column=int(rng.integers(5, size - 5)),
            extended_source=bool(n % 2),
        )
        truths += truth.showers
        path = scratch / f"eval{n}_jump.fits"
        model.save(path)
        candidates, found = {}, {}
        for name, detect in detectors.items():
            with open_product(path) as product:
                start = time.perf_counter()
                found[name] = detect(product, params) if name == "showermask" else detect(product)
                elapsed = time.perf_counter() - start
            masks = [(s.integration, s.group, ellipse_mask(s, shape[-2:])) for s in found[name]]
            candidates[name] = (masks, elapsed)
        if not args.no_jump:
            candidates["JumpStep"] = jump_candidates(
                model, shape, args.jump_min_area, args.jump_max_amplitude
            )
        for name, (cands, seconds) in candidates.items():
            results, used = match(truth.showers, cands, shape[-2:], args.min_iou)
            masked, cells, late = masking(truth.showers, cands, shape)
            run = runs[name]
            run["results"] += results
            run["false"] += len(cands) - len(used)
            run["times"].append(seconds)
            run["masked"] += masked
            run["cells"] += cells
            run["late"] += late
            if args.verbose and name == "showermask":
                _explain(n, truth.showers, results, found[name], used, late)
        path.unlink()
    nints = args.ramps * args.nints
    what = "crowded " if args.crowded else ""
    print(f"{args.ramps} {what}ramps of {shape}: {nints} integrations, {len(truths)} showers")
    print(
        f"{'':11}{'recall':>7}{'false/int':>10}{'mask cov':>9}{'late':>7}{'coverage':>9}"
        f"{'cov p10':>9}{'IoU':>7}{'onset<=1':>10}{'max err':>8}{'median s':>9}  recall by kind"
    )
    for name, run in runs.items():
        report(name, truths, run, nints)
    print(f"recall: one-to-one matches with IoU >= {args.min_iou} and coverage >= 0.3")
    print("mask cov: truth (pixel, group >= onset) cells masked with every candidate accepted")
    print("late: showers masked from a later group than their onset on > 5% of their pixels")
    print("coverage, IoU: medians over found showers; cov p10: 10th percentile of coverage")
    print("targets: recall >= 0.95, false <= 0.2 per integration, mask cov >= 0.97, late <= 0.02")


if __name__ == "__main__":
    main()
