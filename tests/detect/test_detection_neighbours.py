"""Detection of a small, faint shower that begins on the glow of a bigger, brighter one."""

import math

import pytest

from napari_showermask.core.geometry import ellipse_mask
from napari_showermask.core.products import open_product
from napari_showermask.detect.detector import detect_showers
from napari_showermask.io.catalog import Shower
from napari_showermask.synthetic.demo import write_ramp

SHAPE = (2, 30, 128, 128)


def shower(kind, group, x, y, a, b, theta, **extra):
    return Shower(0, group, x, y, a, b, theta, extra={"kind": kind, **extra})


@pytest.mark.parametrize("seed", [1, 2])
def test_a_small_later_shower_is_not_pushed_off_a_bigger_earlier_one(tmp_path, seed):
    # the faint shower begins (group 18) on the idle one's glow, still rising: where they
    # overlap its pixels have no excursion of their own, so its segment is the part
    # outside, and its ellipse was shifted 3 pixels away from the idle one (IoU 0.41);
    # it takes the idle shower's pixels beside it into its fit
    showers = [
        shower("idle", 0, 47.6, 86.2, 14.8, 10.5, 147, amplitude=17.3, decay_groups=18.2,
               pre_groups=5.3),
        shower("faint", 18, 61.1, 86.5, 9.4, 4.5, 135, amplitude=7.4, decay_groups=15.9),
    ]  # fmt: skip
    path, truth = write_ramp(tmp_path / "n_jump.fits", SHAPE, showers, seed, n_stars=0)
    with open_product(path) as product:
        found = [f for f in detect_showers(product) if f.integration == 0]
    assert sorted(f.group for f in found) in ([1, 16], [1, 17], [1, 18]), found
    idle, faint = truth.showers
    later = max(found, key=lambda f: f.group)
    assert math.hypot(later.x - faint.x, later.y - faint.y) < 2.0, later
    inside, mask = ellipse_mask(faint, SHAPE[-2:]), ellipse_mask(later, SHAPE[-2:])
    assert (mask & inside).sum() / (mask | inside).sum() > 0.44
    # the idle shower is still found, its ellipse on it
    earlier = min(found, key=lambda f: f.group)
    inside, mask = ellipse_mask(idle, SHAPE[-2:]), ellipse_mask(earlier, SHAPE[-2:])
    assert (mask & inside).sum() / (mask | inside).sum() > 0.5
