import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.reference import DNU, JUMP, SAT, changed_bits_are_only_set, reference_mask

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import mask_array
from napari_showermask.io.catalog import Shower


def miri_groupdq(shape, seed=0):
    rng = np.random.default_rng(seed)
    dq = np.zeros(shape, np.uint8)
    dq[:, 0] |= DNU
    dq[:, -1] |= DNU
    dq |= (rng.random(shape) < 0.05).astype(np.uint8) * SAT
    dq |= (rng.random(shape) < 0.02).astype(np.uint8) * 128  # an unrelated bit
    return dq


def test_ramp_masks_from_first_group_to_end_of_integration_only():
    dq = np.zeros((3, 10, 12, 12), np.uint8)
    shower = Shower(1, 4, 6, 6, 3, 2, 20)
    mask_array(dq, [shower])
    inside = dq[1, 4] == JUMP
    assert inside.sum() > 10
    assert (dq[1, 4:] == JUMP * inside).all()  # every later group, same pixels
    assert not dq[1, :4].any() and not dq[0].any() and not dq[2].any()


def test_do_not_use_when_fewer_than_two_usable_groups_precede():
    dq = np.zeros((1, 8, 5, 5), np.uint8)
    dq[:, 0] |= DNU  # firstframe
    dq[0, 1, 0, 0] |= SAT  # pixel (0,0): group 1 saturated
    # onset 3: groups 1, 2 usable (two) except at (0,0) where only group 2 is
    mask_array(dq, [Shower(0, 3, 2, 2, 10, 10)])
    assert (dq[0, 3:, 2, 2] == JUMP).all()
    assert (dq[0, 3:, 0, 0] == JUMP | DNU).all()
    assert dq[0, 1, 0, 0] == SAT and dq[0, 0, 0, 0] == DNU


@pytest.mark.parametrize("onset", [0, 1, 2])
def test_early_showers_drop_the_integration(onset):
    dq = np.zeros((2, 6, 4, 4), np.uint8)
    dq[:, 0] |= DNU
    mask_array(dq, [Shower(0, onset, 1.5, 1.5, 3, 3)])
    assert (dq[0, onset:] & DNU).all() and (dq[0, onset:] & JUMP).all()
    assert not dq[1, 1:].any()


def test_overlapping_showers_are_order_independent():
    base = miri_groupdq((2, 12, 20, 20))
    showers = [
        Shower(0, 6, 8, 8, 5, 3, 10),
        Shower(0, 2, 11, 9, 4, 4, 0),
        Shower(0, 9, 9, 12, 6, 2, 80),
        Shower(1, 1, 10, 10, 3, 3, 0),
    ]
    results = []
    for order in itertools.permutations(showers):
        dq = base.copy()
        mask_array(dq, list(order))
        results.append(dq)
    assert all(np.array_equal(results[0], r) for r in results[1:])
    assert np.array_equal(results[0], reference_mask(base, showers))


shower_strategy = st.builds(
    Shower,
    integration=st.integers(0, 1),
    group=st.integers(0, 7),
    x=st.floats(-3, 18),
    y=st.floats(-3, 14),
    semi_major=st.floats(0.3, 9),
    semi_minor=st.floats(0.3, 9),
    theta=st.floats(-180, 180),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(shower_strategy, min_size=1, max_size=4), st.integers(0, 1000))
def test_ramp_masking_equals_the_contract(showers, seed):
    base = miri_groupdq((2, 8, 12, 16), seed)
    dq = base.copy()
    try:
        mask_array(dq, showers)
    except ShowerMaskError:  # a shower that covers no pixel is refused
        return
    assert np.array_equal(dq, reference_mask(base, showers))
    assert changed_bits_are_only_set(base, dq)


@pytest.mark.parametrize("shape", [(12, 16), (3, 12, 16)])
def test_rate_products_get_do_not_use_and_jump(shape):
    rng = np.random.default_rng(3)
    base = (rng.random(shape) < 0.1).astype(np.uint32) * np.uint32(2**31 | 2)
    showers = [Shower(2, 99, 5, 5, 3, 2, 45), Shower(0, 0, 12, 8, 2, 2, 0)]
    dq = base.copy()
    mask_array(dq, showers)
    assert np.array_equal(dq, reference_mask(base, showers))
    assert changed_bits_are_only_set(base, dq)
    assert dq.dtype == np.uint32


def test_showers_outside_the_data_are_refused():
    dq = np.zeros((2, 5, 10, 10), np.uint8)
    with pytest.raises(ShowerMaskError, match="row 0: integration 2 is outside"):
        mask_array(dq, [Shower(2, 0, 5, 5, 2, 2)])
    with pytest.raises(ShowerMaskError, match="row 1: group 5 is outside"):
        mask_array(dq, [Shower(0, 0, 5, 5, 2, 2), Shower(0, 5, 5, 5, 2, 2)])
    with pytest.raises(ShowerMaskError, match="covers no pixel"):
        mask_array(dq, [Shower(0, 0, 50, 5, 2, 2)])
    assert not dq.any()
