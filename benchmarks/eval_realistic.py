"""Detection and masking on realistic MIRI exposures, judged by the rate bias they leave.

Run as ``python benchmarks/eval_detection.py --realistic [--seeds 101-110] [--json PATH]``.

Scenes (`napari_showermask.synthetic.realistic`, built from the published facts, never
tuned to the detector): per seed, a 256 x 256 cut-out with 3 x 10, 2 x 40 and 1 x 100
groups, and the full array (1024 x 1032) with 2 x 40 groups. Seeds 1-5 are for tuning;
the held-out seeds 101-110 (the default) are never used for tuning: look at them only to
report.

Each scene goes the real way: ``showermask detect --accept`` then ``showermask apply``
(`napari_showermask.pipeline.task`, the functions the command line runs). jwst's
``RampFitStep`` (offline) then fits the written file and the same ramp without showers
(SCI minus the showers' own charge: the same noise) with the same GROUPDQ; their
difference per integration is the rate bias the showers leave. Before masking, the input
against the shower-free ramp with the input's DQ. ``JumpStep(find_showers=True)`` runs on
the same input (its JUMP_DET flags cleared) on the cut-outs (the full frame needs many GB
in JumpStep); its regions of >= 20 flagged pixels are its candidates.

Figures, over the affected pixels (truth ``|bias| > 0.1 DN/s``) of every integration:

- coverage: the fraction masked from their onset: a pixel counts when every group from
  its true onset group (or earlier) to the end is unused by the fit (JUMP_DET, DO_NOT_USE
  or SATURATED);
- ``|bias|`` median and 95th percentile before and after masking; a pixel the masking
  drops from its integration (no slope) has no bias left and is counted as dropped;
- false masked area: pixels newly flagged that receive no shower charge at all, and
  pixels newly flagged that are not affected, per Mpix per integration;
- candidates: false when fewer than 20% of their pixels are affected in their
  integration, per Mpix per integration; on a static source when they hold a source's
  centre pixel or a neighbour of it;
- recall by peak brightness (the glow's rate at its brightest pixel when its charge in the
  integration begins: < 1, 1-3, > 3 DN/s) and by kind (onset, idle, carried): a shower
  (one integration's appearance with affected pixels) is found when at least half of its
  own affected pixels are masked from their onset.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("CRDS_PATH", tempfile.mkdtemp(prefix="crds_"))
os.environ.setdefault("CRDS_SERVER_URL", "http://127.0.0.1:9")

import numpy as np  # noqa: E402
from skimage.measure import label  # noqa: E402

from napari_showermask.core.dq import DO_NOT_USE, JUMP_DET, SATURATED  # noqa: E402
from napari_showermask.core.geometry import ellipse_mask  # noqa: E402
from napari_showermask.core.products import open_product  # noqa: E402
from napari_showermask.io.catalog import read_catalog, write_catalog  # noqa: E402
from napari_showermask.io.paths import sidecar_path  # noqa: E402
from napari_showermask.pipeline.task import apply_file, detect_file  # noqa: E402
from napari_showermask.synthetic.realistic import (  # noqa: E402
    make_realistic,
    realistic_reference_models,
)
from napari_showermask.synthetic.truth import AFFECTED, RealisticTruth  # noqa: E402

TUNING_SEEDS = tuple(range(1, 6))
HELD_OUT_SEEDS = tuple(range(101, 111))
SCENES = (
    ("cut-out 3x10", (3, 10, 256, 256)),
    ("cut-out 2x40", (2, 40, 256, 256)),
    ("cut-out 1x100", (1, 100, 256, 256)),
    ("full frame 2x40", (2, 40, 1024, 1032)),
)
JUMP_MAX_PIXELS = 512 * 512  # JumpStep runs on scenes up to this size
BINS = (("<1", 0.0, 1.0), ("1-3", 1.0, 3.0), (">3", 3.0, np.inf))
UNUSED = JUMP_DET | DO_NOT_USE | SATURATED
Candidate = tuple[int, int, np.ndarray]  # integration, group, pixels (ny, nx)
Masker = Callable[[Path, object, RealisticTruth], tuple[np.ndarray, list[Candidate]]]


def showermask_masker(params=None) -> Masker:
    """``showermask detect --accept`` then ``apply``: the masked GROUPDQ and the candidates.

    With ``params`` (a ``DetectionParams``, for tuning), ``detect_showers(product, params)``
    writes the sidecar instead of ``detect``; ``apply`` is the same.
    """

    def masker(path: Path, model, truth: RealisticTruth) -> tuple[np.ndarray, list[Candidate]]:
        from astropy.io import fits

        if params is None:
            catalog, _ = detect_file(path, accept=True, overwrite=True)
        else:
            from napari_showermask.detect.detector import detect_showers

            with open_product(path) as product:
                proposed = detect_showers(product, params)
            catalog = write_catalog(proposed, sidecar_path(path), overwrite=True, inputs=[path])
        written, _ = apply_file(path, overwrite=True)
        with fits.open(written) as hdul:
            groupdq = np.array(hdul["GROUPDQ"].data, dtype=np.uint8)
        shape = model.data.shape[-2:]
        showers = read_catalog(catalog)
        return groupdq, [(s.integration, s.group, ellipse_mask(s, shape)) for s in showers]

    return masker


showermask = showermask_masker()


def jumpstep(path: Path, model, truth: RealisticTruth) -> tuple[np.ndarray, list[Candidate]]:
    """JumpStep(find_showers=True) on the input with its JUMP_DET flags cleared."""
    from jwst.jump import JumpStep

    clean = model.copy()
    clean.groupdq &= ~np.uint8(JUMP_DET)
    gain, readnoise = realistic_reference_models(model.data.shape[-2:])
    step = JumpStep(override_gain=gain, override_readnoise=readnoise, find_showers=True)
    groupdq = np.array(step.process(clean).groupdq, dtype=np.uint8)
    flags = (groupdq & JUMP_DET) != 0
    found = []
    for i in range(groupdq.shape[0]):
        labelled = label(flags[i].any(axis=0))
        for n in range(1, int(labelled.max()) + 1):
            region = labelled == n
            if region.sum() >= 20:
                per_group = flags[i][:, region].sum(axis=1)
                first = int(np.nonzero(per_group >= min(20, region.sum() // 4))[0][0])
                found.append((i, first, region))
    return groupdq, found


def rateints(model, data: np.ndarray, groupdq: np.ndarray) -> np.ndarray:
    """jwst's RampFitStep, offline, on a copy of ``model`` with this SCI and GROUPDQ."""
    from jwst.ramp_fitting import RampFitStep

    ramp = model.copy()
    ramp.data = data.astype(np.float32)
    ramp.groupdq = groupdq.astype(np.uint8)
    gain, readnoise = realistic_reference_models(data.shape[-2:])
    _, ints = RampFitStep(override_gain=gain, override_readnoise=readnoise).process(ramp)
    return np.array(ints.data, dtype=np.float64).reshape(data.shape[0], *data.shape[-2:])


def first_unused(groupdq: np.ndarray) -> np.ndarray:
    """Per integration and pixel, the first group from which the fit uses no group."""
    unused = (groupdq & UNUSED) != 0
    tail = np.logical_and.accumulate(unused[:, ::-1], axis=1)
    return groupdq.shape[1] - tail.sum(axis=1)


def truth_masker(path: Path, model, truth: RealisticTruth) -> tuple[np.ndarray, list[Candidate]]:
    """Mask exactly the affected pixels from their true onset (a known answer, for tests)."""
    groupdq = np.array(model.groupdq, dtype=np.uint8)
    usable = (groupdq & (DO_NOT_USE | SATURATED)) == 0
    for i, y, x in zip(*np.nonzero(truth.affected), strict=True):
        g = int(truth.onset[i, y, x])
        groupdq[i, g:, y, x] |= JUMP_DET
        if usable[i, :g, y, x].sum() < 2:
            groupdq[i, g:, y, x] |= DO_NOT_USE
    return groupdq, []


def score(model, truth, clean, groupdq, candidates, before) -> dict:
    """Every figure of one scene for one masker (sums and value lists, merged later)."""
    nints, ngroups, ny, nx = model.data.shape
    after = rateints(model, model.data, groupdq) - rateints(model, clean, groupdq)
    dropped = ~np.isfinite(after)
    affected = truth.affected
    first = first_unused(groupdq)
    covered = first <= np.where(truth.onset >= 0, truth.onset, ngroups)
    newly = ((groupdq & ~np.asarray(model.groupdq, np.uint8)) != 0).any(axis=1)
    out = {
        "pixels": ny * nx * nints,
        "affected": int(affected.sum()),
        "covered": int((covered & affected).sum()),
        "dropped": int((dropped & affected).sum()),
        "before": np.abs(before[affected]).tolist(),
        "after": np.abs(np.where(dropped, 0.0, after)[affected]).tolist(),
        "masked_no_charge": int((newly & (truth.onset < 0)).sum()),
        "masked_not_affected": int((newly & ~affected).sum()),
        "candidates": len(candidates),
        "false": 0,
        "on_source": {},
        "showers": [],
    }
    for i, _, pixels in candidates:
        if affected[i][pixels].mean() < 0.2:
            out["false"] += 1
        for source in truth.sources:
            y, x = round(source.y), round(source.x)
            if pixels[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2].any():
                out["on_source"][source.kind] = out["on_source"].get(source.kind, 0) + 1
    for a in truth.appearances:
        own = a.affected
        if own.any():
            y0, y1, x0, x1 = a.box
            found = (first[a.integration, y0:y1, x0:x1][own] <= a.group).mean() >= 0.5
            out["showers"].append((a.peak_here, a.kind, bool(found)))
    return out


def evaluate_scene(
    shape, seed: int, workdir: Path, maskers: dict[str, Masker], rate_factor: float = 1.0
) -> dict:
    """Build one scene, run each masker on it and score it."""
    model, truth = make_realistic(shape, seed, rate_factor=rate_factor)
    path = workdir / f"real{seed}_jump.fits"
    model.save(path)
    clean = np.array(model.data, dtype=np.float32)
    for i in range(shape[0]):
        clean[i] -= truth.shower_signal(i, shape[1])
    before = rateints(model, model.data, model.groupdq) - rateints(model, clean, model.groupdq)
    error = np.abs(before - truth.bias)[truth.affected]
    results = {"measured_vs_truth": float(np.median(error)) if error.size else 0.0}
    for name, masker in maskers.items():
        start = time.perf_counter()
        groupdq, candidates = masker(path, model, truth)
        seconds = time.perf_counter() - start
        results[name] = score(model, truth, clean, groupdq, candidates, before)
        results[name]["seconds"] = seconds
    for leftover in workdir.glob(f"real{seed}_*"):
        leftover.unlink()
    return results


def summary(parts: list[dict]) -> dict:
    """Merge scene scores into the reported figures."""
    mpix_ints = sum(p["pixels"] for p in parts) / 1e6
    before = np.array([v for p in parts for v in p["before"]] or [np.nan])
    after = np.array([v for p in parts for v in p["after"]] or [np.nan])
    affected = sum(p["affected"] for p in parts)
    showers = [s for p in parts for s in p["showers"]]
    recall: dict[str, list[int]] = {}
    for peak, kind, found in showers:
        name = next(n for n, lo, hi in BINS if lo <= peak < hi)
        for key in (name, kind):
            recall.setdefault(key, [0, 0])
            recall[key][0] += found
            recall[key][1] += 1
    on_source: dict[str, int] = {}
    for p in parts:
        for kind, n in p["on_source"].items():
            on_source[kind] = on_source.get(kind, 0) + n
    return {
        "affected_pixels": affected,
        "coverage": sum(p["covered"] for p in parts) / max(affected, 1),
        "dropped": sum(p["dropped"] for p in parts) / max(affected, 1),
        "bias_before_median": float(np.median(before)),
        "bias_before_p95": float(np.percentile(before, 95)),
        "bias_after_median": float(np.median(after)),
        "bias_after_p95": float(np.percentile(after, 95)),
        "false_area_no_charge_per_mpix_int": sum(p["masked_no_charge"] for p in parts) / mpix_ints,
        "false_area_not_affected_per_mpix_int": sum(p["masked_not_affected"] for p in parts)
        / mpix_ints,
        "candidates_per_mpix_int": sum(p["candidates"] for p in parts) / mpix_ints,
        "false_candidates_per_mpix_int": sum(p["false"] for p in parts) / mpix_ints,
        "candidates_on_static_sources": on_source,
        "recall": {k: {"found": h, "showers": n, "rate": h / n} for k, (h, n) in recall.items()},
        "mpix_integrations": mpix_ints,
        "seconds": sum(p["seconds"] for p in parts),
    }


def table(summaries: dict[str, dict]) -> str:
    """The printed report: one column per masker."""
    rows = [
        ("affected pixels", "affected_pixels", "{:.0f}"),
        ("coverage from onset", "coverage", "{:.3f}"),
        ("dropped (no slope)", "dropped", "{:.3f}"),
        ("|bias| median before", "bias_before_median", "{:.3f}"),
        ("|bias| median after", "bias_after_median", "{:.3f}"),
        ("|bias| p95 before", "bias_before_p95", "{:.3f}"),
        ("|bias| p95 after", "bias_after_p95", "{:.3f}"),
        ("false area, no charge /Mpix/int", "false_area_no_charge_per_mpix_int", "{:.0f}"),
        ("false area, unaffected /Mpix/int", "false_area_not_affected_per_mpix_int", "{:.0f}"),
        ("candidates /Mpix/int", "candidates_per_mpix_int", "{:.2f}"),
        ("false candidates /Mpix/int", "false_candidates_per_mpix_int", "{:.2f}"),
    ]
    names = list(summaries)
    lines = [f"{'':34}" + "".join(f"{n:>14}" for n in names)]
    for title, key, fmt in rows:
        lines.append(
            f"{title:34}" + "".join(f"{fmt.format(summaries[n][key]):>14}" for n in names)
        )
    kinds = sorted({k for s in summaries.values() for k in s["candidates_on_static_sources"]})
    for kind in kinds:
        cells = [summaries[n]["candidates_on_static_sources"].get(kind, 0) for n in names]
        lines.append(f"{'candidates on ' + kind:34}" + "".join(f"{c:>14}" for c in cells))
    keys = [b[0] for b in BINS] + ["onset", "idle", "carried"]
    for key in keys:
        cells = []
        for n in names:
            r = summaries[n]["recall"].get(key)
            cells.append(f"{r['rate']:.2f} ({r['found']}/{r['showers']})" if r else "-")
        label_ = f"recall {key} DN/s" if key in dict((b[0], 0) for b in BINS) else f"recall {key}"
        lines.append(f"{label_:34}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)


def parse_seeds(text: str) -> list[int]:
    """``"101-110"`` or ``"1,2,5"`` (or both, comma-separated) to a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def run(seeds: list[int], jump=True, scenes=SCENES, json_path=None, params=None) -> dict:
    """Evaluate every scene of every seed; print the table, write the JSON; return it.

    ``params``: a ``DetectionParams`` for the detector (its defaults when None).
    """
    workdir = Path(tempfile.mkdtemp(prefix="eval_realistic_"))
    parts: dict[str, list[dict]] = {"showermask": [], "JumpStep": []}
    scenes_out = []
    for seed in seeds:
        for k, (name, shape) in enumerate(scenes):
            maskers: dict[str, Masker] = {"showermask": showermask_masker(params)}
            if jump and shape[-1] * shape[-2] <= JUMP_MAX_PIXELS:
                maskers["JumpStep"] = jumpstep
            result = evaluate_scene(shape, 1000 * seed + k, workdir, maskers)
            for masker in maskers:
                parts[masker].append(result[masker])
            scenes_out.append({"seed": seed, "scene": name, "shape": shape, **result})
            brief = {m: summary([result[m]])["coverage"] for m in maskers}
            print(f"seed {seed} {name}: coverage {brief}", flush=True)
    summaries = {name: summary(p) for name, p in parts.items() if p}
    print(f"seeds {seeds}; scenes {[s[0] for s in scenes]}; JumpStep on cut-outs only")
    print(table(summaries))
    report = {"seeds": seeds, "affected_threshold": AFFECTED, "summary": summaries}
    if json_path is not None:
        for scene in scenes_out:
            for m in ("showermask", "JumpStep"):
                if m in scene:
                    scene[m] = {k: v for k, v in scene[m].items() if k not in ("before", "after")}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({**report, "scenes": scenes_out}, indent=1))
        print(f"wrote {json_path}")
    return report
