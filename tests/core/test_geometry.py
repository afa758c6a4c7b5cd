import math

import astropy.units as u
import numpy as np
import pytest
from astropy.modeling.models import Ellipse2D
from hypothesis import given, settings
from hypothesis import strategies as st
from regions import EllipsePixelRegion, PixCoord

from napari_showermask.core.geometry import (
    corners_to_ellipse,
    ellipse_mask,
    ellipse_to_corners,
    shower_pixels,
)
from napari_showermask.io.catalog import Shower

SHAPE = (60, 70)

coordinate = st.floats(-30, 100, allow_nan=False)
axis = st.floats(0.05, 80, allow_nan=False)
angle = st.floats(-360, 360, allow_nan=False)


def reference_ellipse2d(s: Shower, shape) -> np.ndarray:
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    model = Ellipse2D(1, s.x, s.y, s.semi_major, s.semi_minor, np.deg2rad(s.theta))
    return model(xx, yy).astype(bool)


def rim_distance(s: Shower, shape) -> np.ndarray:
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    t = math.radians(s.theta)
    dx, dy = xx - s.x, yy - s.y
    q = ((dx * math.cos(t) + dy * math.sin(t)) / s.semi_major) ** 2
    q += ((-dx * math.sin(t) + dy * math.cos(t)) / s.semi_minor) ** 2
    return np.abs(q - 1)


@settings(max_examples=400, deadline=None)
@given(coordinate, coordinate, axis, axis, angle)
def test_mask_is_exactly_astropy_ellipse2d(x, y, a, b, theta):
    shower = Shower(0, 0, x, y, a, b, theta)
    assert np.array_equal(ellipse_mask(shower, SHAPE), reference_ellipse2d(shower, SHAPE))


@settings(max_examples=300, deadline=None)
@given(coordinate, coordinate, axis, axis, angle)
def test_mask_matches_regions_center_mode_off_the_rim(x, y, a, b, theta):
    shower = Shower(0, 0, x, y, a, b, theta)
    region = EllipsePixelRegion(PixCoord(x, y), width=2 * a, height=2 * b, angle=theta * u.deg)
    expected = np.zeros(SHAPE, bool)
    mask = region.to_mask(mode="center")
    image = mask.to_image(SHAPE)
    if image is not None:
        expected = image.astype(bool)
    ours = ellipse_mask(shower, SHAPE)
    differ = ours != expected
    # regions leaves out pixel centres exactly on the rim; nothing else may differ
    assert not (differ & (rim_distance(shower, SHAPE) > 1e-9)).any()


def test_rim_pixels_are_inside():
    mask = ellipse_mask(Shower(0, 0, 5, 5, 2, 2, 0), (11, 11))
    assert mask[5, 7] and mask[5, 3] and mask[7, 5] and mask[3, 5]
    assert mask.sum() == 13


def test_rotation_is_counter_clockwise_from_x():
    # a long thin ellipse at 90 degrees lies along +y (columns fixed)
    mask = ellipse_mask(Shower(0, 0, 10, 10, 6, 0.5, 90), (21, 21))
    assert np.array_equal(np.argwhere(mask)[:, 1], np.full(13, 10))
    # at 45 degrees it runs from lower-left to upper-right: x and y grow together
    ys, xs = np.nonzero(ellipse_mask(Shower(0, 0, 10, 10, 6, 0.3, 45), (21, 21)))
    assert np.array_equal(ys, xs)


def test_only_the_bounding_box_is_computed():
    box, mask = shower_pixels(Shower(0, 0, 500.2, 400.7, 3, 2, 30), (1024, 1032))
    assert mask.shape == (box[0].stop - box[0].start, box[1].stop - box[1].start)
    assert mask.size < 100


def test_edge_clipped_and_outside():
    mask = ellipse_mask(Shower(0, 0, -1.5, 3, 3, 2, 0), (10, 10))
    assert mask[:, 0].sum() > 0 and mask[:, 2:].sum() == 0
    assert shower_pixels(Shower(0, 0, -20, -20, 3, 3, 0), (10, 10)) is None
    # a tiny ellipse between pixel centres covers nothing
    assert shower_pixels(Shower(0, 0, 4.5, 4.5, 0.2, 0.2, 0), (10, 10)) is None


@settings(max_examples=200, deadline=None)
@given(coordinate, coordinate, axis, axis, st.floats(0, 179.9))
def test_corners_round_trip(x, y, a, b, theta):
    if a < b:
        a, b = b, a
    got = corners_to_ellipse(ellipse_to_corners(x, y, a, b, theta))
    assert got[:4] == pytest.approx((x, y, a, b), abs=1e-6)
    if not math.isclose(a, b, rel_tol=1e-6):
        assert min(abs(got[4] - theta), 180 - abs(got[4] - theta)) < 1e-4


def test_corners_are_napari_data_order_and_leading_axes_ignored():
    corners = ellipse_to_corners(10, 20, 4, 2, 0)
    assert corners[:, 0].min() == pytest.approx(18) and corners[:, 1].max() == pytest.approx(14)
    four_d = np.column_stack([np.full(4, 1), np.full(4, 5), corners])
    assert corners_to_ellipse(four_d) == pytest.approx((10, 20, 4, 2, 0))
