"""The realistic evaluation (benchmarks/eval_realistic.py) computes its figures right."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import block_diag

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
    # split by oracle SNR: the bins partition the affected pixels and the showers
    split = truth["oracle"]
    assert split["coverage_by_snr"]["all"]["all"]["of"] == truth["affected_pixels"]
    recall = split["recall_by_snr"]
    in_bins = sum(cols["all"]["of"] for row, cols in recall.items() if row != "all")
    assert in_bins == len(result["truth"]["showers"]) == recall["all"]["all"]["of"] > 0
    assert all(c["rate"] == 1.0 for row in split["coverage_by_snr"].values() for c in row.values())
    detectable = split["detectable"]["pixels"]
    assert split["undetectable_share"]["snr"]["pixels"] == pytest.approx(
        1 - detectable / truth["affected_pixels"]
    )
    assert 0 <= split["undetectable_share"]["snr"]["bias"] <= 1
    assert split["detectable"] == split["detectable_by"]["snr"]
    assert split["detectable_by"]["photon"]["pixels"] <= detectable  # photon noise: fewer
    assert split["ceiling"]["snr"]["coverage"] == pytest.approx(
        detectable / truth["affected_pixels"]
    )
    assert all(s[3] > 0 for s in result["truth"]["showers"])  # every record has its SNR
    assert none["oracle"]["coverage_by_snr"]["all"]["all"]["rate"] < 0.05
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


def load(name):
    """A module of benchmarks/ that imports its neighbours (as the scripts do)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


def load_oracle():
    return load("realistic_oracle")


def appearance(shower, integration, curve, box=(0, 10, 0, 10)):
    """A shower of uniform glow over ``box`` whose brightest pixel holds ``curve`` (DN)."""
    from napari_showermask.synthetic.glow import ShowerLight
    from napari_showermask.synthetic.truth import Appearance

    h, w = box[1] - box[0], box[3] - box[2]
    light = ShowerLight(box, np.ones((h, w)), np.zeros((h, w)))
    zeros = np.zeros_like(curve)
    bias = np.zeros((h, w), np.float32)
    return Appearance(shower, integration, 0, "idle", 2.0, 2.0, (), light, curve, zeros, bias)


def ends_unused(nints, ngroups, size=10):
    dq = np.zeros((nints, ngroups, size, size), np.uint8)
    dq[:, 0] = dq[:, -1] = 1  # DO_NOT_USE, as firstframe and lastframe leave them
    return dq


def test_oracle_snr_of_a_mid_ramp_onset_against_a_constant_glow_present_at_group_zero():
    orc = load_oracle()
    step, g = 2.0 * 2.775, np.arange(10.0)  # 2 DN/s over 2.775 s groups
    constant = step * (g + 1)  # glowing since before the first read, never decaying
    mid_ramp = step * np.maximum(g - 4, 0)  # the same glow, begun at group 5
    dq = ends_unused(1, 10)
    idle = orc.shower_oracles([appearance(0, 0, constant)], dq, 2.775)[0]
    onset = orc.shower_oracles([appearance(0, 0, mid_ramp)], dq, 2.775)[0]
    # a constant glow is a static source to any method, however bright it is
    assert idle.snr < 1e-4 and idle.plain > 100
    # the hinge left after the best line: 3.18 DN rms per pixel over 8 reads, 100 pixels
    t = g[1:9, None] * 2.775
    design = np.hstack([np.ones_like(t), t])
    _, residual, *_ = np.linalg.lstsq(design, mid_ramp[1:9], rcond=None)
    assert onset.snr == pytest.approx(np.sqrt(100 * residual[0]) / 6.0, rel=1e-9)
    assert onset.snr == pytest.approx(14.97, abs=0.01)
    assert onset.snr > 1e4 * max(idle.snr, 1e-6) and onset.plain > onset.snr
    # the same constant glow in only one of two integrations: the common rate gives it away
    one_of_two = orc.shower_oracles([appearance(0, 0, constant)], ends_unused(2, 10), 2.775)[0]
    both = [appearance(0, 0, constant), appearance(0, 1, constant)]
    assert orc.shower_oracles(both, ends_unused(2, 10), 2.775)[0].snr < 1e-4
    assert one_of_two.snr > 10 and one_of_two.within < 1e-4  # no integration alone shows it
    # a decay as fast as the reset residue's is the residue to any method
    residue = 20 * np.exp(-g / 1.5)
    fast = orc.shower_oracles([appearance(0, 0, residue)], dq, 2.775)[0]
    assert fast.residue < 1e-4 < 1 < fast.snr
    assert onset.residue == pytest.approx(5.82, abs=0.01)  # 8 reads: the residue takes a share


def test_oracle_residual_is_the_least_squares_residual_of_offsets_and_one_common_rate():
    orc = load_oracle()
    rng = np.random.default_rng(3)
    signal = rng.normal(0, 5, (3, 8, 4))
    usable = np.ones((3, 8, 4), bool)
    usable[:, 0] = usable[:, -1] = False
    usable[1, 5:, 2] = False  # saturated from group 5 in one integration
    usable[2, :, 3] = False  # a pixel with an integration left out entirely
    residual, plain, within = orc.residual_energy(signal, usable, 2.775)
    free = np.exp(-np.arange(8) / 1.5)
    with_free = orc.residual_energy(signal, usable, 2.775, free)[0]
    t = np.arange(8) * 2.775
    for p in range(4):
        common, apart, freed, values = [], [], [], []
        for i in range(3):
            for g in np.nonzero(usable[i, :, p])[0]:
                offsets = [float(i == k) for k in range(3)]
                common.append(offsets + [t[g]])
                apart.append(offsets + [t[g] * o for o in offsets])
                freed.append(offsets + [t[g]] + [free[g] * o for o in offsets])
                values.append(signal[i, g, p])
        values = np.array(values)
        fits = ((common, residual[p]), (apart, within[p]), (freed, with_free[p]))
        for design, energy in fits:
            fit = np.array(design) @ np.linalg.lstsq(np.array(design), values, rcond=None)[0]
            assert energy == pytest.approx(((values - fit) ** 2).sum(), rel=1e-9)
        assert plain[p] == pytest.approx((values**2).sum(), rel=1e-12)
    assert (within <= residual + 1e-9).all() and (within < residual).any()


def test_picture_views_show_a_decay_and_the_glow_in_noise_units():
    pictures = load("realistic_pictures")
    dq = ends_unused(1, 12, 40)[0]
    reads = np.cumsum(np.r_[10.0, 10, 10, 10, 4, 4, 4, 4, 2, 2, 2, 2])[:, None, None]
    view = pictures.early_minus_late(np.broadcast_to(reads, (12, 40, 40)), dq)
    assert np.allclose(view, (10 + 10 + 4) / 3 - 2)  # reads 1-4 minus reads 7-10 (0, 11 unused)
    rng = np.random.default_rng(5)
    curve = 30 * (1 - np.exp(-np.arange(1, 13) * 2.775 / 20))  # a glow at group 0, decaying
    noise = rng.normal(0, 6.0, (12, 40, 40))
    z0 = pictures.template_z(noise, dq, curve, 6.0)
    assert abs(z0.mean()) < 0.1 and 0.9 < z0.std() < 1.1  # N(0, 1) without a glow
    z = pictures.template_z(noise + 5 * curve[:, None, None], dq, curve, 6.0)
    usable = curve[1:11] - np.polyval(np.polyfit(np.arange(1, 11), curve[1:11], 1), range(1, 11))
    assert (z - z0).mean() == pytest.approx(5 * np.sqrt((usable**2).sum()) / 6.0, rel=1e-9)


def test_oracle_with_photon_noise_is_generalised_least_squares_with_a_random_walk():
    gls = load("realistic_gls")
    orc = load_oracle()
    rng = np.random.default_rng(1)
    signal = rng.normal(0, 5, (2, 12, 4))
    usable = np.ones(signal.shape, bool)
    usable[:, 0] = usable[:, -1] = False
    usable[1, 7:, 2] = False  # saturated from group 7 in the second integration
    white = orc.residual_energy(signal, usable, 2.775)
    dark = gls.gls_energy(signal, usable, np.zeros(4), 2.775, 4.0, 6.0)
    for energy, squared_snr in zip(white, dark, strict=True):
        assert np.allclose(squared_snr, energy / 36.0)  # no photons: the read noise alone
    rate = np.array([10.0, 3.0, 30.0, 0.0])
    bright = gls.gls_energy(signal, usable, rate, 2.775, 4.0, 6.0)[0]
    for p in range(4):
        blocks, rows, values = [], [], []
        for i in range(2):
            reads = np.nonzero(usable[i, :, p])[0]
            walk = rate[p] * 2.775 / 4.0 * (np.minimum.outer(reads, reads) + 1)
            blocks.append(36.0 * np.eye(reads.size) + walk)
            rows += [[float(i == 0), float(i == 1), g * 2.775] for g in reads]
            values += list(signal[i, reads, p])
        inverse = np.linalg.inv(block_diag(*blocks))
        x, y = np.array(rows), np.array(values)
        fitted = (x.T @ inverse @ y) @ np.linalg.solve(x.T @ inverse @ x, x.T @ inverse @ y)
        assert bright[p] == pytest.approx(y @ inverse @ y - fitted, rel=1e-9)
    assert (bright[:3] < dark[0][:3]).all() and bright[3] == pytest.approx(dark[0][3])
