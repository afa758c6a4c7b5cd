import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import DetectionCancelled, detect_showers
from napari_showermask.io.catalog import Shower, read_catalog
from napari_showermask.synthetic.demo import make_ramp, write_ramp

SHAPE = (2, 24, 128, 128)


def detect(tmp_path, showers, seed=0, **kwargs):
    path, truth = write_ramp(tmp_path / "d_jump.fits", SHAPE, showers, seed, **kwargs)
    with open_product(path) as product:
        return detect_showers(product), truth


def shower(kind, integration=0, group=8, x=64, y=64, a=14, b=8, theta=40, **extra):
    return Shower(integration, group, x, y, a, b, theta, extra={"kind": kind, **extra})


def assert_found(found, truth_shower, shape=SHAPE[-2:]):
    same = [s for s in found if s.integration == truth_shower.integration]
    assert len(same) == 1, found
    candidate = same[0]
    # never later than the truth (group 1 or 2 drops the whole ramp of the pixel, as 0 does)
    assert truth_shower.group - 2 <= candidate.group <= max(truth_shower.group, 2)
    inside = ellipse_mask(truth_shower, shape)
    covered = (ellipse_mask(candidate, shape) & inside).sum() / inside.sum()
    assert covered > 0.9
    assert candidate.extra["source"] == "detect" and candidate.extra["score"] > 0


@pytest.mark.parametrize(
    "truth",
    [
        shower("bright", amplitude=20.0, decay_groups=8.0),
        shower("idle", integration=1, group=0, amplitude=10.0, decay_groups=12.0, pre_groups=5.0),
        shower("faint", group=10, amplitude=4.0, decay_groups=30.0),
        # a glow that persists over the whole ramp: it must not hide in its own median
        shower("faint", group=2, amplitude=6.0, decay_groups=400.0, a=20, b=15),
    ],
    ids=["bright", "idle", "faint", "persistent"],
)
def test_each_kind_is_found_with_onset_and_footprint(tmp_path, truth):
    found, _ = detect(tmp_path, [truth], n_stars=0, n_cosmic_rays=0)
    assert_found(found, truth)


@pytest.mark.parametrize(
    "bait",
    [
        {"n_stars": 2},
        {"n_stars": 0, "extended_source": True},
        {"n_stars": 0, "bad_column": 70},
        {"n_stars": 0, "n_cosmic_rays": 60},
    ],
    ids=["stars", "extended source", "bad column", "cosmic rays"],
)
def test_baits_are_not_proposed(tmp_path, bait):
    kwargs = {"n_cosmic_rays": 0, **bait}
    found, truth = detect(tmp_path, [], seed=4, **kwargs)
    assert found == []


def test_showers_among_baits(tmp_path):
    found, truth = detect(tmp_path, None, seed=7, bad_column=90, extended_source=True)
    assert len(found) == len(truth.showers)
    for s in truth.showers:
        assert_found([f for f in found if ellipse_mask(f, SHAPE[-2:])[round(s.y), round(s.x)]], s)


def test_column_brightening_in_one_integration_is_not_proposed(tmp_path):
    model, _ = make_ramp(SHAPE, [], seed=5, n_stars=0, n_cosmic_rays=0)
    steps = np.clip(np.arange(SHAPE[1]) - 8, 0, None) * 30.0 * 2.775  # 30 DN/s from group 8
    model.data[0, :, :, 50] += steps[:, None].astype(np.float32)
    path = tmp_path / "column_jump.fits"
    model.save(path)
    with open_product(path) as product:
        assert detect_showers(product) == []


@pytest.mark.parametrize("nints", [1, 3])
def test_other_numbers_of_integrations(tmp_path, nints):
    shape = (nints, SHAPE[1], *SHAPE[2:])
    showers = [
        shower("faint", integration=nints - 1, group=9, x=40, y=40, amplitude=8.0,
               decay_groups=200.0),  # starts mid-ramp and persists
        shower("idle", integration=0, group=0, x=90, y=85, a=12, b=9, amplitude=12.0,
               decay_groups=8.0, pre_groups=2.0),
    ]  # fmt: skip
    path, truth = write_ramp(tmp_path / "n_jump.fits", shape, showers, 2, n_stars=2)
    with open_product(path) as product:
        found = detect_showers(product)
    assert len(found) == 2, found
    for s in truth.showers:
        assert_found([f for f in found if ellipse_mask(f, shape[-2:])[round(s.y), round(s.x)]], s)


CROWDED = (30, 128, 128)  # groups, rows, columns
TOUCHING = {  # showers that touch or overlap, with different onsets
    "idle touching bright": [
        shower("idle", group=0, x=50, y=64, a=16, b=10, theta=20, amplitude=12.0,
               decay_groups=15.0, pre_groups=3.0),
        shower("bright", group=7, x=78, y=70, a=14, b=9, theta=120, amplitude=25.0,
               decay_groups=10.0),
    ],
    "chain faint, idle, bright": [
        shower("faint", group=6, x=30, y=60, a=14, b=9, theta=80, amplitude=7.0,
               decay_groups=25.0),
        shower("idle", group=0, x=55, y=64, a=13, b=9, theta=10, amplitude=12.0,
               decay_groups=15.0, pre_groups=4.0),
        shower("bright", group=15, x=82, y=66, a=14, b=10, theta=150, amplitude=25.0,
               decay_groups=12.0),
    ],
    "fast idle touching faint at 26": [
        shower("idle", group=0, x=52, y=64, a=15, b=10, theta=0, amplitude=16.0,
               decay_groups=3.0, pre_groups=1.0),
        shower("faint", group=26, x=72, y=64, a=14, b=10, theta=90, amplitude=8.0,
               decay_groups=25.0),
    ],
}  # fmt: skip


def best_match(found, truth_shower, shape):
    """The candidate covering most of a truth shower, the shower's pixels, and their IoU."""
    inside = ellipse_mask(truth_shower, shape)
    best = max(found, key=lambda f: (ellipse_mask(f, shape) & inside).sum())
    mask = ellipse_mask(best, shape)
    return best, inside, (mask & inside).sum() / (mask | inside).sum()


def first_masked(found, shape):
    """Per pixel, the group from which the candidates mask it (inf where none does)."""
    first = np.full(shape, np.inf)
    for s in found:
        inside = ellipse_mask(s, shape)
        first[inside] = np.minimum(first[inside], s.group)
    return first


@pytest.mark.parametrize("nints, seed", [(1, 1), (1, 2), (2, 1), (2, 2)])
@pytest.mark.parametrize("showers", TOUCHING.values(), ids=TOUCHING.keys())
def test_touching_showers_are_split_by_onset_and_never_start_late(tmp_path, showers, nints, seed):
    shape = (nints, *CROWDED)
    path, truth = write_ramp(tmp_path / "t_jump.fits", shape, showers, seed, n_stars=0)
    with open_product(path) as product:
        found = detect_showers(product)
    found = [f for f in found if f.integration == 0]  # the others have no shower
    # one candidate each, with its own onset: never later than the shower's, and a
    # glow there from the start (idle) is masked from group 1 (group 0 is DO_NOT_USE)
    assert len(found) == len(showers), found
    image = CROWDED[-2:]
    first = first_masked(found, image)
    for s in truth.showers:
        best, inside, iou = best_match(found, s, image)
        assert s.group - 2 <= best.group <= max(s.group, 1), (s, best)
        assert iou > 0.5
        # every pixel of it masked, from its onset on (the earliest covering candidate)
        assert np.mean(first[inside] <= max(s.group, 1)) > 0.97


@pytest.mark.parametrize("nints", [1, 2])
def test_a_first_frame_flash_is_covered_but_does_not_blow_up_the_footprint(tmp_path, nints):
    # a bright shower is much larger in its first frame than afterwards (the flash spans
    # 4 times the shower's area): the flash biases the rate where it is not masked, so the
    # candidate grows over it, and no further
    shape = (nints, 24, 128, 128)
    areas = []
    for flash in (0.0, 2.0):
        s = shower("bright", a=12, b=8, theta=30, amplitude=20.0, decay_groups=10.0,
                   flash_scale=flash, flash_amplitude=120.0)  # fmt: skip
        path, truth = write_ramp(tmp_path / f"f{flash}_jump.fits", shape, [s], 1, n_stars=0)
        with open_product(path) as product:
            found = detect_showers(product)
        assert_found(found, truth.showers[0], shape[-2:])
        areas.append(ellipse_mask(found[0], shape[-2:]).sum())
    flash = ellipse_mask(truth.showers[0].moved(semi_major=24, semi_minor=16), shape[-2:])
    assert (ellipse_mask(found[0], shape[-2:]) & flash).sum() >= 0.9 * flash.sum()
    assert areas[0] < 1.8 * ellipse_mask(truth.showers[0], shape[-2:]).sum()
    assert areas[1] < 1.6 * flash.sum()


@pytest.mark.parametrize("nints, seed", [(1, 1), (1, 2), (1, 3), (2, 1)])
def test_an_earlier_shower_keeps_the_edge_a_later_one_spreads_over(tmp_path, nints, seed):
    # the smoothing spreads the later shower over the edge of the earlier one it touches:
    # those pixels take the later onset, and the later ellipse covers them; the earlier
    # candidate grows over them, so they are masked from the earlier onset (the previous
    # detector masked 12-15% of the idle shower's pixels from group 12 only, 1 integration)
    showers = [
        shower("idle", group=0, x=64, y=58, a=10.5, b=10.3, theta=74, amplitude=7.5,
               decay_groups=14.0, pre_groups=6.9),
        shower("faint", group=12, x=59, y=71.7, a=9.7, b=8.6, theta=68, amplitude=7.5,
               decay_groups=14.0),
    ]  # fmt: skip
    path, truth = write_ramp(tmp_path / "e_jump.fits", (nints, *CROWDED), showers, seed, n_stars=0)
    with open_product(path) as product:
        found = [f for f in detect_showers(product) if f.integration == 0]
    assert len(found) == 2, found
    image = CROWDED[-2:]
    first = first_masked(found, image)
    for s in truth.showers:
        _, inside, iou = best_match(found, s, image)
        assert iou > 0.5
        assert np.mean(first[inside] > max(s.group, 1)) <= 0.05  # masked late: at most 5%


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_an_idle_glow_under_a_later_shower_is_masked_from_the_start(tmp_path, seed):
    # one integration: each pixel's reference is the lowest mean of a few runs of its own
    # groups; under the bright shower (group 16) that is the run before it, still raised
    # by the idle glow, so those pixels showed only the later onset (the previous detector
    # masked 8-14% of the idle shower from group 15 or 16 only); the sky around gives a
    # lower reference there, and the idle glow's own excursion from the start
    showers = [
        shower("idle", group=0, x=56, y=70, a=14, b=8, theta=135, amplitude=10.0,
               decay_groups=10.0, pre_groups=3.0),
        shower("bright", group=16, x=63, y=61, a=11, b=9.5, theta=100, amplitude=25.0,
               decay_groups=8.0),
    ]  # fmt: skip
    path, truth = write_ramp(tmp_path / "g_jump.fits", (1, *CROWDED), showers, seed, n_stars=0)
    with open_product(path) as product:
        found = detect_showers(product)
    assert sorted(f.group for f in found) in ([1, 15], [1, 16]), found
    image = CROWDED[-2:]
    first = first_masked(found, image)
    idle, bright = (ellipse_mask(s, image) for s in truth.showers)
    assert np.mean(first[idle] > 1) <= 0.02  # the idle shower masked from its start
    assert np.mean(first[bright] > 16) <= 0.05


@pytest.mark.parametrize("nints", [1, 2])
def test_a_thin_bright_shower_is_not_widened_by_the_smoothing(tmp_path, nints):
    # 8 x 3 pixels: the smoothing (2.5 pixels) made its ellipse about 3.5 times its area
    # (IoU 0.28, below the 0.3 a match needs); the smoothing's variance is taken off
    s = shower("bright", group=10, a=8, b=3, theta=30, amplitude=35.0, decay_groups=20.0)
    path, truth = write_ramp(tmp_path / "thin_jump.fits", (nints, *CROWDED), [s], 1, n_stars=0)
    with open_product(path) as product:
        found = detect_showers(product)
    image = CROWDED[-2:]
    assert_found(found, truth.showers[0], image)
    inside, mask = ellipse_mask(truth.showers[0], image), ellipse_mask(found[0], image)
    assert (mask & inside).sum() / (mask | inside).sum() > 0.3


def test_rate_products_are_refused(rate_file):
    with open_product(rate_file) as product, pytest.raises(ShowerMaskError, match="needs a ramp"):
        detect_showers(product)


def test_progress_and_cancel(tmp_path):
    path, _ = write_ramp(tmp_path / "p_jump.fits", (2, 12, 32, 32), seed=1)
    seen = []
    with open_product(path) as product:
        detect_showers(product, progress=seen.append)
        assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
        calls = []

        def stop_after_three():
            calls.append(1)
            return len(calls) > 3

        # cancelling raises: there is no partial result
        with pytest.raises(DetectionCancelled):
            detect_showers(product, cancelled=stop_after_three, workers=1)
        # polled once a plane: it stopped at the 4th of 3 x 2 x 9 planes
        assert len(calls) == 4


def test_rateints_products_are_refused(rateints_file):
    with open_product(rateints_file) as product:
        with pytest.raises(ShowerMaskError, match="needs a ramp"):
            detect_showers(product)


def test_command_line_detect_then_apply(tmp_path):
    path, truth = write_ramp(tmp_path / "cli_jump.fits", SHAPE, seed=3)
    exe = str(Path(sys.executable).with_name("showermask"))
    done = subprocess.run([exe, "detect", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    catalog = Path(done.stdout.strip())
    assert catalog.name == "cli_jump_candidates.ecsv"
    showers = read_catalog(catalog)
    assert len(showers) == len(truth.showers) and all("score" in s.extra for s in showers)
    applied = subprocess.run(
        [exe, "apply", str(path), "--showers", str(catalog)], capture_output=True, text=True
    )
    assert applied.returncode == 0, applied.stderr
    again = subprocess.run([exe, "detect", str(path)], capture_output=True, text=True)
    assert again.returncode == 2 and "exists" in again.stderr
    assert np.all(np.isfinite([s.x for s in showers]))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("onset", [4, 6])
def test_a_persistent_glow_begun_in_the_first_run_is_found_in_one_integration(
    tmp_path, seed, onset
):
    # one integration: a faint glow that barely decays, begun within the first run of
    # groups, raises every run mean, the lowest included: against that reference it showed
    # only a fraction of itself (found in part, or not at all); the step from the first
    # two differences to the lowest run, on the scale of a shower, gives the reference back
    s = shower("faint", group=onset, a=16, b=11, theta=20, amplitude=4.0, decay_groups=300.0)
    path, truth = write_ramp(tmp_path / "p_jump.fits", (1, *CROWDED), [s], seed, n_stars=0)
    with open_product(path) as product:
        found = detect_showers(product)
    assert_found(found, truth.showers[0], CROWDED[-2:])


@pytest.mark.parametrize("nints, seed", [(1, 1), (1, 2), (2, 1), (2, 2)])
def test_an_idle_glow_touching_a_shower_begun_at_group_4_is_its_own_candidate(
    tmp_path, nints, seed
):
    # the idle glow is there in the first usable difference (group 2), so its pixels'
    # onsets are 2: they cannot be earlier. A shower begun at group 4 touching it had
    # onsets only 2 groups later, within the tolerance, and both became one candidate (the
    # idle one counted as missed); a mode at the first usable group is one group further
    showers = [
        shower("idle", group=0, x=48, y=64, a=13, b=9, theta=10, amplitude=12.0,
               decay_groups=15.0, pre_groups=3.0),
        shower("bright", group=4, x=74, y=66, a=14, b=10, theta=150, amplitude=25.0,
               decay_groups=12.0),
    ]  # fmt: skip
    path, truth = write_ramp(tmp_path / "s_jump.fits", (nints, *CROWDED), showers, seed, n_stars=0)
    with open_product(path) as product:
        found = [f for f in detect_showers(product) if f.integration == 0]
    image = CROWDED[-2:]
    first = first_masked(found, image)
    matched = []
    for s in truth.showers:  # each its own candidate, matched as the evaluation does
        best, inside, iou = best_match(found, s, image)
        assert iou >= 0.3, (s, found)
        assert s.group - 2 <= best.group <= max(s.group, 1), (s, best)
        assert np.mean(first[inside] <= max(s.group, 1)) > 0.97
        matched.append(best)
    assert matched[0] is not matched[1] and matched[0].group == 1, found
