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

Split by each shower's oracle SNR (`realistic_oracle`, an upper bound) and kind in
`realistic_report`; ``--pictures DIR``: the largest missed showers (`realistic_pictures`).
"""

from __future__ import annotations

import json
import os
import sys
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realistic_oracle as oracle  # noqa: E402
from realistic_report import BINS, split_table, summary, table  # noqa: E402, F401

TUNING_SEEDS = tuple(range(1, 6))
HELD_OUT_SEEDS = tuple(range(101, 111))
SCENES = (
    ("cut-out 3x10", (3, 10, 256, 256)),
    ("cut-out 2x40", (2, 40, 256, 256)),
    ("cut-out 1x100", (1, 100, 256, 256)),
    ("full frame 2x40", (2, 40, 1024, 1032)),
)
JUMP_MAX_PIXELS = 512 * 512  # JumpStep runs on scenes up to this size
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


def score(model, truth, clean, groupdq, candidates, before, oracles=None) -> dict:
    """Every figure of one scene for one masker (sums and value lists, merged later).

    ``oracles``: the showers' oracle SNR (`realistic_oracle.shower_oracles`), computed
    when None.
    """
    nints, ngroups, ny, nx = model.data.shape
    if oracles is None:
        oracles = oracle.scene_oracles(model, truth)
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
        "pixel": oracle.pixel_records(truth.appearances, oracles, affected, covered, truth.bias),
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
            best = oracles[a.shower]
            out["showers"].append(
                (
                    a.peak_here,
                    a.kind,
                    bool(found),
                    best.snr,
                    best.within,
                    best.residue,
                    best.photon,
                )
            )
    return out


def evaluate_scene(
    shape,
    seed: int,
    workdir: Path,
    maskers: dict[str, Masker],
    rate_factor: float = 1.0,
    pictures=None,
) -> dict:
    """Build one scene, run each masker on it and score it.

    ``pictures``: a `realistic_pictures.Pictures` offered the showers ``showermask`` misses.
    """
    model, truth = make_realistic(shape, seed, rate_factor=rate_factor)
    path = workdir / f"real{seed}_jump.fits"
    model.save(path)
    clean = np.array(model.data, dtype=np.float32)
    for i in range(shape[0]):
        clean[i] -= truth.shower_signal(i, shape[1])
    before = rateints(model, model.data, model.groupdq) - rateints(model, clean, model.groupdq)
    error = np.abs(before - truth.bias)[truth.affected]
    results = {"measured_vs_truth": float(np.median(error)) if error.size else 0.0}
    oracles = oracle.scene_oracles(model, truth)
    for name, masker in maskers.items():
        start = time.perf_counter()
        groupdq, candidates = masker(path, model, truth)
        seconds = time.perf_counter() - start
        results[name] = score(model, truth, clean, groupdq, candidates, before, oracles)
        results[name]["seconds"] = seconds
        if pictures is not None and name == "showermask":
            pictures.offer(seed, model, truth, groupdq, oracles)
    for leftover in workdir.glob(f"real{seed}_*"):
        leftover.unlink()
    return results


def parse_seeds(text: str) -> list[int]:
    """``"101-110"`` or ``"1,2,5"`` (or both, comma-separated) to a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def run(
    seeds: list[int], jump=True, scenes=SCENES, json_path=None, params=None, pictures=None
) -> dict:
    """Evaluate every scene of every seed; print the table, write the JSON; return it.

    ``params``: a ``DetectionParams`` for the detector (its defaults when None).
    ``pictures``: a directory for pictures of the largest missed showers (tuning seeds).
    """
    workdir = Path(tempfile.mkdtemp(prefix="eval_realistic_"))
    drawer = None
    if pictures is not None:
        from realistic_pictures import Pictures

        drawer = Pictures(Path(pictures))
    parts: dict[str, list[dict]] = {"showermask": [], "JumpStep": []}
    scenes_out = []
    for seed in seeds:
        for k, (name, shape) in enumerate(scenes):
            maskers: dict[str, Masker] = {"showermask": showermask_masker(params)}
            if jump and shape[-1] * shape[-2] <= JUMP_MAX_PIXELS:
                maskers["JumpStep"] = jumpstep
            offer = drawer if drawer is not None and seed in TUNING_SEEDS else None
            result = evaluate_scene(shape, 1000 * seed + k, workdir, maskers, pictures=offer)
            for masker in maskers:
                parts[masker].append(result[masker])
            scenes_out.append({"seed": seed, "scene": name, "shape": shape, **result})
            brief = {m: summary([result[m]])["coverage"] for m in maskers}
            print(f"seed {seed} {name}: coverage {brief}", flush=True)
    summaries = {name: summary(p) for name, p in parts.items() if p}
    print(f"seeds {seeds}; scenes {[s[0] for s in scenes]}; JumpStep on cut-outs only")
    print(table(summaries))
    for name, figures in summaries.items():
        print(split_table(name, figures["oracle"]))
    if drawer is not None:
        print(f"pictures of missed showers (tuning seeds only): {drawer.write()}")
    report = {"seeds": seeds, "affected_threshold": AFFECTED, "summary": summaries}
    if json_path is not None:
        for scene in scenes_out:
            for m in ("showermask", "JumpStep"):
                if m in scene:
                    drop = ("before", "after", "pixel")
                    scene[m] = {k: v for k, v in scene[m].items() if k not in drop}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({**report, "scenes": scenes_out}, indent=1))
        print(f"wrote {json_path}")
    return report
