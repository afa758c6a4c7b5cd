"""The Shower Masking widget in a real napari viewer (needs a display: pytest-xvfb)."""

import numpy as np
import pytest
from astropy.io import fits
from support.gui import click, colour_pixels, dock, open_in, screen_xy, shown, small_ramp

from napari_showermask.core.masking import mask_array
from napari_showermask.io.catalog import Shower
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path
from napari_showermask.synthetic.demo import write_ramp

pytestmark = pytest.mark.gui


@pytest.fixture
def viewer(make_napari_viewer):
    return shown(make_napari_viewer)


@pytest.fixture
def ramp(tmp_path):
    return small_ramp(tmp_path)


def test_reader_layers_and_display(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    names = [layer.name for layer in viewer.layers]
    assert names[:3] == ["gui_jump difference", "gui_jump DQ", "gui_jump showers"]
    assert viewer.dims.axis_labels == ("integration", "group", "y", "x")
    assert tuple(str(o.value) for o in viewer.scene.camera.orientation2d) == ("up", "right")
    assert widget.session.kind == "ramp"
    # y grows upwards on screen, as in DS9
    assert screen_xy(viewer, 10, 50)[1] < screen_xy(viewer, 10, 10)[1]


def test_click_sliders_mark_visibility_save(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (1, 4, 32, 32)
    qtbot.wait(20)
    click(viewer, qtbot, 20, 40)
    current = widget.session.current
    assert current is not None and (current.integration, current.group) == (1, 4)
    assert abs(current.x - 20) < 0.6 and abs(current.y - 40) < 0.6
    (
        widget.shape_panel.major.value,
        widget.shape_panel.minor.value,
        widget.shape_panel.theta.value,
    ) = 9, 4, 30
    current = widget.session.current
    assert (current.semi_major, current.semi_minor, current.theta) == (9, 4, 30)
    assert len(widget.current_layer.data) == 1
    qtbot.wait(50)
    red_on_rim, _ = colour_pixels(viewer, current, "red")
    assert red_on_rim > 0.8

    widget.marked_panel.mark_button.clicked()
    marked = widget.session.marked[0]
    assert widget.marked_panel.list.count() == 1 and widget.session.current is None
    for step, n_shown in [((1, 4), 1), ((1, 11), 1), ((1, 3), 0), ((0, 4), 0), ((0, 11), 0)]:
        viewer.dims.current_step = (*step, 32, 32)
        qtbot.wait(30)
        assert len(widget.marked_layer.data) == n_shown, step
        green_on_rim, green_total = colour_pixels(viewer, marked, "green")
        if n_shown:
            assert green_on_rim > 0.8, step
        else:
            assert green_total == 0, step

    worker = widget.save(confirm=False)
    qtbot.waitUntil(lambda: widget.session.masked_up_to_date, timeout=30000)
    assert worker is not None
    output = default_output(ramp)
    with fits.open(ramp) as before, fits.open(output) as after:
        expected = before["GROUPDQ"].data.copy()
        mask_array(expected, [marked])
        assert np.array_equal(after["GROUPDQ"].data, expected)


def test_shape_tools_drive_the_sliders(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (0, 2, 32, 32)
    widget.place((0, 2, 30, 30))
    layer = widget.current_layer
    moved = layer.data[0].copy()
    moved[:, -1] += 5  # drag 5 pixels along x
    moved[:, -2:] = 30 + (moved[:, -2:] - 30) * 1.5  # and resize about (30, 30)
    layer.data = [moved]
    qtbot.wait(20)
    shower = widget.session.current
    assert widget.shape_panel.major.value == pytest.approx(shower.semi_major)
    assert widget.shape_panel.minor.value == pytest.approx(shower.semi_minor)
    assert shower.semi_major == pytest.approx(30) and shower.x == pytest.approx(37.5)


def test_list_edit_delete_and_catalog_round_trip(viewer, qtbot, ramp, tmp_path):
    widget = open_in(viewer, qtbot, ramp)
    widget.session.load([Shower(0, 3, 20, 20, 6, 3, 10), Shower(1, 7, 40, 40, 5, 5, 0)])
    widget.marked_panel.list.setCurrentRow(1)
    assert tuple(viewer.dims.current_step[:2]) == (1, 7)
    widget.edit(1)
    widget.shape_panel.major.value = 8
    widget.mark()
    assert widget.session.marked[1].semi_major == 8
    path = widget.save_catalog(tmp_path / "marked.reg")
    widget.delete(0)
    assert len(widget.session.marked) == 1
    widget.ask = lambda title, text: True  # "replace the marked shower?" Yes
    assert widget.load_catalog(path) and len(widget.session.marked) == 2


@pytest.mark.parametrize("kind", ["rateints", "rate"])
def test_rate_products(viewer, qtbot, kind, tmp_path):
    from conftest import write_product

    path = write_product(
        tmp_path / f"x_{kind}.fits", kind, (2, 16, 20)[-(3 if kind == "rateints" else 2) :]
    )
    widget = open_in(viewer, qtbot, path)
    labels = ("integration", "y", "x") if kind == "rateints" else ("y", "x")
    assert viewer.dims.axis_labels == labels
    if kind == "rateints":
        viewer.dims.current_step = (1, 8, 10)
    widget.place(viewer.dims.point[:-2] + (8.0, 10.0))
    widget.shape_panel.major.value, widget.shape_panel.minor.value = 4, 3
    widget.mark()
    shower = widget.session.marked[0]
    assert shower.integration == (1 if kind == "rateints" else 0)
    widget.save(confirm=False)
    qtbot.waitUntil(lambda: widget.session.masked_up_to_date, timeout=30000)
    with fits.open(path) as before, fits.open(default_output(path)) as after:
        expected = before["DQ"].data.copy()
        mask_array(expected, [shower])
        assert np.array_equal(after["DQ"].data, expected)


def test_bad_file_gives_a_notification_and_no_layers(viewer, qtbot, ramp, tmp_path):
    from napari.utils.notifications import notification_manager

    cut = tmp_path / "cut_jump.fits"
    cut.write_bytes(ramp.read_bytes()[:-5000])
    widget = dock(viewer)
    before = len(notification_manager.records)
    assert not widget.open_file(str(cut))
    assert len(viewer.layers) == 0 and widget.session is None
    messages = [str(n.message) for n in notification_manager.records[before:]]
    assert any("cut_jump.fits: truncated" in m for m in messages), messages


def test_quit_asks_when_unsaved(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    sidecar_path(ramp).mkdir()  # the sidecar cannot be written: the mark is unsaved
    widget.place((0, 2, 30, 30))
    widget.mark()
    widget.ask = lambda title, text: False  # the user answers "No"
    assert not widget.quit()
    assert widget.binding is not None and "gui_jump difference" in viewer.layers


def test_find_review_accept_reject_edit(viewer, qtbot, tmp_path):
    path, truth = write_ramp(tmp_path / "det_jump.fits", (2, 20, 96, 96), seed=5)
    widget = open_in(viewer, qtbot, path)
    worker = widget.find_showers()
    assert worker is not None and widget.candidate_panel.find_button.text == "Cancel Finding"
    qtbot.waitUntil(lambda: widget.detect_worker is None, timeout=60000)
    assert (
        len(widget.session.candidates) == len(truth.showers) == widget.candidate_panel.list.count()
    )
    widget.candidate_panel.list.setCurrentRow(0)
    first = widget.session.candidates[0]
    assert tuple(viewer.dims.current_step[:2]) == (first.integration, first.group)
    assert len(widget.candidate_layer.data) >= 1  # drawn on its own slice, in its colour
    widget.review("accept")
    assert widget.session.marked == [first] and widget.marked_panel.list.count() == 1
    widget.candidate_panel.list.setCurrentRow(0)
    second = widget.session.candidates[0]
    widget.review("revise")
    assert widget.session.current == second and widget.shape_panel.major.value == pytest.approx(
        second.semi_major
    )
    widget.mark()
    widget.candidate_panel.list.setCurrentRow(0)
    widget.review("reject")
    assert widget.session.candidates == [] and len(widget.session.marked) == 2


def test_find_can_be_cancelled(viewer, qtbot, tmp_path):
    path, _ = write_ramp(tmp_path / "long_jump.fits", (2, 60, 256, 256), seed=6)
    widget = open_in(viewer, qtbot, path)
    widget.find_showers()
    widget.cancel_find()
    qtbot.waitUntil(lambda: widget.detect_worker is None, timeout=60000)
    assert (
        widget.session.candidates == []
        and widget.candidate_panel.find_button.text == "Find Showers"
    )


def test_contrast_follows_the_frame_on_screen(viewer, qtbot, ramp):
    from napari_showermask.core.framestats import frame_contrast

    widget = open_in(viewer, qtbot, ramp)
    product, scale = widget.binding.product, widget.shape_panel.scale.value
    shown = []
    for group in (3, 4, 0, 5):  # group 0 shows SCI itself: far from any difference
        viewer.dims.current_step = (1, group, 32, 32)
        qtbot.wait(20)
        low, high = frame_contrast(product.difference((1, group)), scale)
        shown.append(tuple(widget.image.contrast_limits))
        # within 2% of the range of this frame's own limits (closer ones are not re-set)
        assert shown[-1] == pytest.approx((low, high), abs=0.02 * (high - low) + 1e-6)
    assert shown[2] != shown[1] and shown[3] != shown[2]
