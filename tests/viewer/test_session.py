import pytest

from napari_showermask.core.geometry import ellipse_to_corners
from napari_showermask.io.catalog import Shower
from napari_showermask.viewer.session import MaskingSession


def test_place_reshape_mark():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    session.reshape(8, 4, 30)
    shower = session.place((1, 6, 20.4, 10.6))
    assert shower == Shower(1, 6, 10.6, 20.4, 8, 4, 30)
    session.reshape(semi_major=12)
    assert session.current.semi_major == 12 and session.current.x == 10.6
    assert session.mark() == Shower(1, 6, 10.6, 20.4, 12, 4, 30)
    assert session.current is None and session.dirty and len(session.marked) == 1
    assert session.mark() is None


def test_visibility_is_exactly_where_masking_applies():
    ramp = MaskingSession("ramp", (2, 10, 64, 64))
    ramp.load([Shower(1, 6, 5, 5, 2, 2), Shower(0, 0, 5, 5, 2, 2)])
    assert ramp.visible(1, 6) == [0] and ramp.visible(1, 9) == [0]
    assert ramp.visible(1, 5) == [] and ramp.visible(0, 6) == [1] and ramp.visible(0, 0) == [1]
    cube = MaskingSession("rateints", (3, 64, 64))
    cube.load([Shower(2, 7, 5, 5, 2, 2)])
    assert cube.visible(2, 0) == [0] and cube.visible(1, 0) == []
    rate = MaskingSession("rate", (64, 64))
    rate.load([Shower(0, 0, 5, 5, 2, 2)])
    assert rate.visible(0, 0) == [0]


def test_slice_of_points_per_kind():
    assert MaskingSession("ramp", (2, 10, 8, 8)).slice_of((1.0, 3.2, 4, 4)) == (1, 3)
    assert MaskingSession("rateints", (3, 8, 8)).slice_of((2.0, 4, 4)) == (2, 0)
    assert MaskingSession("rate", (8, 8)).slice_of((4, 4)) == (0, 0)


def test_edit_and_delete_keep_indices_right():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    session.load([Shower(0, n, 5 + n, 5, 2, 2) for n in range(3)])
    session.edit(2)
    session.delete(0)
    assert session.editing == 1
    session.reshape(theta=45)
    session.mark()
    assert session.marked[1].theta == 45 and len(session.marked) == 2
    session.edit(0)
    session.delete(0)
    assert session.current is None and session.editing is None


def test_follow_napari_corners():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    session.place((0, 2, 30, 30))
    corners = ellipse_to_corners(33, 31, 9, 5, 120)
    shower = session.follow_corners([[0, 2, *c] for c in corners])
    assert (shower.x, shower.y, shower.semi_major, shower.semi_minor) == pytest.approx(
        (33, 31, 9, 5)
    )
    assert shower.theta == pytest.approx(120) and session.theta == pytest.approx(120)


def test_candidates_review():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    found = [Shower(0, n, 10 * n + 5, 5, 3, 2, extra={"score": 9.0}) for n in range(3)]
    session.propose(found)
    session.accept(1)
    assert session.marked == [found[1]] and session.dirty
    session.revise(1)
    assert session.current == found[2] and session.candidates == [found[0]]
    session.reject(0)
    assert session.candidates == []
    assert session.visible(0, 9, found) == [0, 1, 2] and session.visible(0, 0, found) == [0]


def test_place_outside_the_image_changes_nothing():
    session = MaskingSession("ramp", (2, 10, 64, 48))
    assert session.place((0, 1, 30, 47.4)) is not None
    before = session.current
    assert session.place((0, 1, 30, 47.6)) is None  # beyond the last pixel's edge (x)
    assert session.place((0, 1, -0.6, 10)) is None  # below the first row (y)
    assert session.current == before


def test_current_ellipse_shows_where_it_would_be_masked():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    assert not session.shows_current(0, 0)
    session.place((1, 4, 20, 20))
    assert session.shows_current(1, 4) and session.shows_current(1, 9)
    assert not session.shows_current(1, 3) and not session.shows_current(0, 4)
    cube = MaskingSession("rateints", (3, 64, 64))
    cube.place((2, 20, 20))
    assert cube.shows_current(2, 0) and not cube.shows_current(1, 0)


def test_an_ellipse_drawn_with_napari_tools_becomes_current():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    corners = ellipse_to_corners(12, 14, 6, 3, 30)
    assert session.follow_corners(corners) is None  # nothing to follow, nowhere to put it
    shower = session.follow_corners(corners, at=(1, 3))
    assert (shower.integration, shower.group) == (1, 3)
    assert (shower.x, shower.y, shower.semi_major, shower.theta) == pytest.approx((12, 14, 6, 30))
    assert (session.semi_major, session.semi_minor) == pytest.approx((6, 3))
    flat = [[5, 5], [5, 5], [5, 5], [5, 5]]  # a click with the ellipse tool: no size
    assert session.follow_corners(flat, at=(0, 0)) == shower


def test_follow_keeps_a_candidates_extra_columns_and_discard():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    session.propose([Shower(0, 2, 10, 10, 4, 2, extra={"score": 12.0})])
    session.revise(0)
    moved = session.follow_corners(ellipse_to_corners(11, 10, 4, 2, 0))
    assert moved.x == pytest.approx(11) and moved.extra == {"score": 12.0}
    session.discard()
    assert session.current is None and session.editing is None


def test_undo_redo_every_change():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    a, b, c = (Shower(0, n, 10 + n, 10, 3, 2) for n in range(3))
    session.place((0, 0, 10, 10))
    session.reshape(3, 2, 0)
    session.mark()
    session.load([a, b])
    session.propose([c])
    session.accept(0)
    session.delete(0)
    states = [[a], [a, b], [a, b, c], [b, c]]
    assert session.marked == states[-1]
    for state in reversed(states[:-1]):
        assert session.undo() and session.marked == state
    assert session.undo() and session.marked == [] and not session.undo()
    for state in states:
        assert session.redo() and session.marked == state
    assert not session.redo()
    session.undo()
    session.mark()  # nothing current: no change, the redo stays
    assert session.redo() and session.marked == states[-1]


def test_undo_of_accept_brings_the_candidate_back():
    session = MaskingSession("ramp", (2, 10, 64, 64))
    c = Shower(1, 3, 20, 20, 4, 3)
    session.propose([c])
    session.accept(0)
    assert session.marked == [c] and session.candidates == []
    session.undo()
    assert session.marked == [] and session.candidates == [c]
    session.reject(0)
    session.undo()
    assert session.candidates == [c]


def test_signals_announce_each_change():
    session = MaskingSession("rateints", (3, 16, 20))
    seen = []
    for name in ("current_changed", "shape_changed", "marked_changed", "candidates_changed"):
        getattr(session, name).connect(lambda name=name: seen.append(name))
    session.place((1, 5, 5))
    assert seen == ["current_changed"]
    session.reshape(theta=10)
    assert seen[-2:] == ["current_changed", "shape_changed"]
    seen.clear()
    session.mark()
    assert set(seen) == {"marked_changed", "current_changed"}
    seen.clear()
    session.propose([Shower(2, 0, 5, 5, 2, 2)])
    assert seen == ["candidates_changed"]


def test_no_place_on_slices_the_product_does_not_have():
    session = MaskingSession("ramp", (1, 5, 48, 40))
    assert session.place((1, 2, 20, 20)) is None  # integration 1 of 1
    assert session.place((0, 5, 20, 20)) is None  # group 5 of 5
    assert session.place((0, -1, 20, 20)) is None
    assert session.place((0, 4, 20, 20)) is not None
    assert MaskingSession("rate", (16, 20)).place((3.0, 4.0)).integration == 0


def test_kept_and_masked_states():
    session = MaskingSession("rate", (16, 20))
    assert not session.dirty and not session.masked_up_to_date
    session.place((5, 5))
    shower = session.mark()
    assert session.dirty
    session.set_kept([shower])
    assert not session.dirty
    session.set_masked([shower])
    assert session.masked_up_to_date
    session.undo()
    assert session.dirty and not session.masked_up_to_date


def overlapped_session():
    """A ramp with three marked showers: two in integration 0 (one far away), one in 1."""
    session = MaskingSession("ramp", (2, 10, 64, 64))
    near, far, other = (
        Shower(0, 3, 20, 20, 6, 4),
        Shower(0, 5, 50, 50, 4, 4),
        Shower(1, 3, 20, 20, 6, 4),
    )
    session.load([near, far, other])
    return session, near, far, other


def test_overlaps_are_shared_pixels_in_one_integration():
    session, near, far, other = overlapped_session()
    assert session.overlaps(Shower(0, 7, 25, 22, 4, 3)) == [0]  # any group of integration 0
    assert session.overlaps(Shower(1, 0, 25, 22, 4, 3)) == [2]
    assert session.overlaps(Shower(0, 3, 33, 20, 6, 4)) == []  # rims 1 px apart: no pixel shared
    assert session.overlaps(Shower(0, 3, 31.5, 20, 6, 4)) == [0]
    assert session.overlaps() == []  # no current ellipse
    rate = MaskingSession("rate", (64, 64))
    rate.load([Shower(0, 0, 10, 10, 3, 3), Shower(0, 0, 40, 40, 3, 3)])
    assert rate.overlaps(Shower(0, 0, 12, 10, 3, 3)) == [0]


def test_mark_over_a_marked_shower_keeps_both_or_replaces_it():
    session, near, far, other = overlapped_session()
    session.place((0, 6, 22, 24))
    assert session.overlaps() == [0]
    current = session.current
    session.mark(overlap="keep")
    assert session.marked == [near, far, other, current]
    session.undo()
    session.place((0, 6, 22, 24))
    session.mark(overlap="replace")
    assert session.marked == [far, other, current]
    session.undo()
    assert session.marked == [near, far, other]
    with pytest.raises(ValueError, match="overlap"):
        session.place((0, 6, 22, 24)) and session.mark(overlap="cancel")
    assert session.marked == [near, far, other] and session.current is not None


def test_editing_a_shower_does_not_overlap_itself():
    session, near, far, other = overlapped_session()
    session.edit(0)
    session.reshape(semi_major=9)
    assert session.overlaps() == []
    session.mark(overlap="replace")
    assert session.marked == [near.moved(semi_major=9), far, other]


def test_accept_a_candidate_over_a_marked_shower():
    session, near, far, other = overlapped_session()
    candidate = Shower(0, 2, 52, 48, 5, 5)
    session.propose([candidate, Shower(1, 1, 60, 5, 2, 2)])
    assert session.overlaps(session.candidates[0]) == [1]
    session.accept(0, overlap="replace")
    assert session.marked == [near, other, candidate] and len(session.candidates) == 1
    session.undo()
    session.accept(0)  # keep both, as before
    assert session.marked == [near, far, other, candidate]
