"""The realistic evaluation (benchmarks/eval_realistic.py) computes its figures right."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SHAPE = (2, 10, 64, 64)


def load_eval():
    spec = importlib.util.spec_from_file_location(
        "eval_realistic", BENCHMARKS / "eval_realistic.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unmasked(path, model, truth):
    return np.array(model.groupdq, dtype=np.uint8), []


@pytest.mark.slow
@pytest.mark.pipeline
def test_masking_the_truth_scores_full_coverage_and_no_bias_left(tmp_path):
    ev = load_eval()
    maskers = {"truth": ev.truth_masker, "none": unmasked, "showermask": ev.showermask}
    result = ev.evaluate_scene(SHAPE, 7, tmp_path, maskers, rate_factor=40)
    truth, none, ours = (ev.summary([result[m]]) for m in maskers)
    assert result["measured_vs_truth"] < 0.03  # RampFitStep sees the truth's bias
    assert truth["affected_pixels"] > 50
    assert truth["coverage"] == 1.0
    assert truth["bias_after_p95"] < 1e-3 < truth["bias_before_p95"]
    assert truth["false_area_not_affected_per_mpix_int"] == 0
    assert all(r["rate"] == 1.0 for r in truth["recall"].values())
    assert none["coverage"] < 0.05 and none["bias_after_p95"] == none["bias_before_p95"]
    assert all(r["rate"] == 0.0 for r in none["recall"].values())
    assert none["candidates_per_mpix_int"] == 0 == none["false_area_no_charge_per_mpix_int"]
    assert 0 <= ours["coverage"] <= 1 and ours["mpix_integrations"] == pytest.approx(
        2 * 64 * 64 / 1e6
    )
    assert not list(tmp_path.iterdir())  # the scene's files are removed


def test_seed_ranges_and_the_held_out_seeds_apart_from_the_tuning_ones():
    ev = load_eval()
    assert ev.parse_seeds("101-110") == list(ev.HELD_OUT_SEEDS)
    assert ev.parse_seeds("1-3,7") == [1, 2, 3, 7]
    assert not set(ev.TUNING_SEEDS) & set(ev.HELD_OUT_SEEDS)


def test_first_unused_group_is_where_every_later_group_is_flagged():
    ev = load_eval()
    dq = np.zeros((1, 6, 1, 3), np.uint8)
    dq[0, 0] = dq[0, -1] = 1  # DO_NOT_USE at both ends
    dq[0, 3:, 0, 1] |= 4  # masked from group 3
    dq[0, 2, 0, 2] |= 4  # a cosmic ray at group 2 only
    assert ev.first_unused(dq).tolist() == [[[5, 3, 5]]]
