"""The widget with napari's own tools, layer list and hover, in a real viewer (Xvfb)."""

import numpy as np
import pytest
from astropy.io import fits
from support.gui import click, dock, drag, hover, open_in, ready, shown, small_ramp

from napari_showermask.io.catalog import Shower, read_catalog, write_catalog
from napari_showermask.io.masked import default_output

pytestmark = pytest.mark.gui


@pytest.fixture
def viewer(make_napari_viewer):
    return shown(make_napari_viewer)


@pytest.fixture
def ramp(tmp_path):
    return small_ramp(tmp_path)


def test_drag_the_current_ellipse_with_napari_select_tool(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (1, 5, 32, 32)
    widget.shape_panel.major.value, widget.shape_panel.minor.value = 10, 6
    click(viewer, qtbot, 30, 30)
    start = widget.session.current
    layer = widget.current_layer
    viewer.layers.selection.active = layer
    layer.mode = "select"
    drag(viewer, qtbot, (30, 30), (38, 26))  # grab the ellipse inside and move it
    moved = widget.session.current
    assert (moved.integration, moved.group) == (1, 5)
    assert moved.x - start.x == pytest.approx(8, abs=0.6)
    assert moved.y - start.y == pytest.approx(-4, abs=0.6)
    assert (moved.semi_major, moved.semi_minor) == pytest.approx((10, 6), abs=1e-3)
    assert len(layer.data) == 1


def test_draw_a_new_ellipse_with_napari_tool(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (0, 7, 32, 32)
    layer = widget.current_layer
    viewer.layers.selection.active = layer
    layer.mode = "add_ellipse"
    drag(viewer, qtbot, (10, 10), (30, 20))  # napari's bounding box, corner to corner
    qtbot.wait(20)
    shower = widget.session.current
    assert shower is not None and (shower.integration, shower.group) == (0, 7)
    assert (shower.x, shower.y) == pytest.approx((20, 15), abs=0.6)
    assert (shower.semi_major, shower.semi_minor) == pytest.approx((10, 5), abs=0.6)
    assert widget.shape_panel.major.value == pytest.approx(shower.semi_major)
    assert widget.shape_panel.minor.value == pytest.approx(shower.semi_minor)
    assert len(layer.data) == 1  # only the current ellipse
    layer.mode = "pan_zoom"
    for group, n_shown in [(9, 1), (6, 0)]:  # drawn where it would be masked, from group 7
        viewer.dims.current_step = (0, group, 32, 32)
        qtbot.wait(20)
        assert len(layer.data) == n_shown


def test_click_outside_the_image_places_nothing(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.scene.camera.zoom /= 3  # show the border around the image
    click(viewer, qtbot, -20, 30)
    assert widget.session.current is None


def test_dq_hover_names_the_flags(viewer, qtbot, tmp_path):
    from conftest import write_product

    path = write_product(tmp_path / "flags_jump.fits", "ramp", (2, 8, 16, 20))
    open_in(viewer, qtbot, path)
    dq = viewer.layers["flags_jump DQ"]
    for step, pixel, names in [
        ((0, 2), (7, 7), "JUMP_DET"),
        ((0, 0), (1, 1), "DO_NOT_USE"),
        ((0, 4), (5, 6), "SATURATED"),
    ]:
        viewer.dims.current_step = (*step, 8, 8)
        status = dq.get_status((*step, *pixel), world=True)
        assert names in status["value"], status


@pytest.mark.parametrize(
    "kind, shape, step, pixel, text",
    [
        ("ramp", (2, 8, 16, 20), (0, 4), (6, 5), ": SATURATED"),
        ("ramp", (2, 8, 16, 20), (0, 2), (7, 7), ": JUMP_DET"),
        ("rate", (16, 20), (), (0, 9), ": DO_NOT_USE, REFERENCE_PIXEL"),
        ("rateints", (2, 16, 20), (1,), (3, 3), ": SATURATED"),
        ("rate", (16, 20), (), (4, 9), "DQ 0: GOOD"),
    ],
)
def test_hover_names_every_dq_flag(viewer, qtbot, tmp_path, kind, shape, step, pixel, text):
    from conftest import write_product

    path = write_product(tmp_path / f"hover_{kind}.fits", kind, shape)
    widget = open_in(viewer, qtbot, path)
    if step:
        viewer.dims.current_step = (*step, 8, 8)
    hover(viewer, qtbot, *pixel)
    viewer.update_status_from_cursor()  # as napari's status thread does after a move
    coordinates = viewer.status["coordinates"]
    assert coordinates.endswith(text), coordinates
    assert f"{pixel[1]}, {pixel[0]}]: " in coordinates  # napari's own [.. y, x]: value first
    assert widget.binding is not None


def test_catalog_from_napari_save_layers(viewer, qtbot, ramp, tmp_path):
    widget = open_in(viewer, qtbot, ramp)
    showers = [Shower(0, 3, 20, 20, 6, 3, 10), Shower(1, 7, 40, 40, 5, 5, 0)]
    widget.session.load(showers)
    viewer.layers.selection = {viewer.layers["gui_jump showers"]}
    for name in ("layer.ecsv", "layer.reg"):
        viewer.layers.save(str(tmp_path / name), selected=True, plugin="napari-showermask")
        assert read_catalog(tmp_path / name) == showers


def test_mark_update_and_button_text(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (0, 4, 32, 32)
    click(viewer, qtbot, 25, 25)
    widget.mark()
    assert widget.marked_panel.mark_button.text == "Mark Shower"
    assert len(widget.marked_layer.data) == 1 and len(widget.current_layer.data) == 0
    widget.edit(0)
    assert widget.marked_panel.mark_button.text == "Update Shower"
    # the shower being edited is the red current ellipse, not also a green one
    assert len(widget.marked_layer.data) == 0 and len(widget.current_layer.data) == 1
    widget.shape_panel.theta.value = 60
    widget.marked_panel.mark_button.clicked()
    assert widget.session.marked[0].theta == 60 and len(widget.session.marked) == 1
    assert widget.marked_panel.mark_button.text == "Mark Shower"
    assert len(widget.marked_layer.data) == 1 and len(widget.current_layer.data) == 0


def test_save_confirms_before_replacing(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    widget.session.load([Shower(0, 3, 20, 20, 6, 3, 10)])
    output = default_output(ramp)
    output.write_bytes(b"keep me")
    widget.ask = lambda title, text: False  # the user answers "No"
    assert widget.save() is None
    assert output.read_bytes() == b"keep me"
    widget.ask = lambda title, text: True  # and now "Yes"
    assert widget.save() is not None
    qtbot.waitUntil(lambda: widget.session.masked_up_to_date, timeout=30000)
    with fits.open(output) as hdul:
        assert "GROUPDQ" in hdul


def test_bad_catalogs_give_a_notification_and_change_nothing(viewer, qtbot, ramp, tmp_path):
    from napari.utils.notifications import notification_manager

    widget = open_in(viewer, qtbot, ramp)
    widget.session.load([Shower(0, 3, 20, 20, 6, 3, 10)])
    bad = tmp_path / "bad.ecsv"
    bad.write_text("not a table\n")
    outside = write_catalog([Shower(5, 3, 20, 20, 6, 3, 10)], tmp_path / "outside.reg")
    before = len(notification_manager.records)
    assert not widget.load_catalog(bad)
    assert not widget.load_catalog(outside)  # integration 5 of a 2-integration ramp
    messages = [str(n.message) for n in notification_manager.records[before:]]
    assert any("bad.ecsv" in m for m in messages), messages
    assert any("outside.reg" in m and "integration 5" in m for m in messages), messages
    assert widget.session.marked == [Shower(0, 3, 20, 20, 6, 3, 10)]


def test_second_file_replaces_the_session(viewer, qtbot, ramp, tmp_path):
    from conftest import write_product

    widget = open_in(viewer, qtbot, ramp)
    first = widget.image.data.product
    other = write_product(tmp_path / "other_rateints.fits", "rateints", (3, 16, 20))
    open_in(viewer, qtbot, other, widget)
    assert widget.session.kind == "rateints"
    qtbot.wait(20)
    names = [layer.name for layer in viewer.layers]
    assert names.count("current shower") == 1 and names.count("shower candidates") == 1
    assert not any(name.startswith("gui_jump") for name in names)  # the first is closed
    assert first._hdul._file.closed  # with its last layer
    assert not widget.image.data.product._hdul._file.closed


def test_removing_the_product_detaches(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    product = widget.image.data.product
    viewer.layers.remove("gui_jump difference")
    qtbot.wait(20)
    assert widget.binding is None and widget.session is None
    assert "current shower" not in viewer.layers
    viewer.dims.current_step = (1, 3, 32, 32)  # nothing reads the closed file
    viewer.layers.clear()
    qtbot.wait(20)
    assert product._hdul._file.closed


def test_deleted_current_layer_comes_back(viewer, qtbot, ramp):
    widget = open_in(viewer, qtbot, ramp)
    viewer.dims.current_step = (0, 2, 32, 32)
    click(viewer, qtbot, 30, 30)
    viewer.layers.remove("current shower")
    qtbot.waitUntil(lambda: "current shower" in viewer.layers, timeout=5000)
    assert len(widget.current_layer.data) == 1
    assert np.allclose(widget.current_layer.data[0].mean(axis=0), (30, 30), atol=0.6)


def test_sample_data_binds_the_widget(viewer, qtbot):
    widget = dock(viewer)
    viewer.open_sample("napari-showermask", "synthetic_miri_showers")
    ready(widget, qtbot)
    assert widget.session.kind == "ramp" and widget.session.shape == (2, 30, 256, 256)


def test_launch_docks_the_widget_with_the_file(qtbot, ramp):
    from napari_showermask._widget import launch

    widget = launch(str(ramp), block=False)
    window = widget.viewer.window._qt_window
    try:
        ready(widget, qtbot)
        assert widget.session.kind == "ramp"
        assert "gui_jump difference" in widget.viewer.layers
        assert widget.quit(confirm=False)  # napari was opened for the widget: closed too
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        if window.isVisible():
            widget.viewer.close()
