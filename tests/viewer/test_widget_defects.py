"""One test per defect found reviewing many exposures in one napari session (Xvfb)."""

import numpy as np
import pytest
from support.gui import click, messages, n_messages, open_in, ready, shown, small_ramp

from napari_showermask.io.catalog import Shower, read_catalog, write_catalog
from napari_showermask.io.paths import sidecar_path

pytestmark = pytest.mark.gui


@pytest.fixture
def viewer(make_napari_viewer):
    return shown(make_napari_viewer)


@pytest.fixture
def two(tmp_path):
    """Ramp A (2 integrations, 12 groups) and ramp B (1 integration, 5 groups, other size)."""
    a = small_ramp(tmp_path, "a_jump.fits")
    b = small_ramp(tmp_path, "b_jump.fits", (1, 5, 48, 40), seed=3)
    return a, b


def page_everywhere(viewer, qtbot, shape):
    for i in range(shape[0]):
        for g in range(shape[1]):
            viewer.dims.current_step = (i, g, shape[2] // 2, shape[3] // 2)
            qtbot.wait(5)


def test_1_smaller_ramp_after_a_larger_one_pages_and_reopens(viewer, qtbot, two):
    a, b = two
    widget = open_in(viewer, qtbot, a)
    viewer.dims.current_step = (1, 11, 32, 32)
    qtbot.wait(20)
    for _ in range(3):  # clear everything and reopen: no IndexError, no crash
        viewer.layers.clear()
        qtbot.wait(50)
        assert widget.binding is None
        open_in(viewer, qtbot, b, widget)
        page_everywhere(viewer, qtbot, (1, 5, 48, 40))
        viewer.layers.clear()
        qtbot.wait(50)
        open_in(viewer, qtbot, a, widget)
        page_everywhere(viewer, qtbot, (2, 12, 64, 64))
    open_in(viewer, qtbot, b, widget)  # without clearing
    page_everywhere(viewer, qtbot, (1, 5, 48, 40))
    assert widget.session.shape == (1, 5, 48, 40)


def test_2_open_file_succeeds_and_drops_the_previous_drawings(viewer, qtbot, two):
    a, b = two
    widget = open_in(viewer, qtbot, a)
    viewer.dims.current_step = (0, 6, 32, 32)
    widget.place((0, 6, 30, 30))
    widget.mark()
    qtbot.wait(20)
    assert widget.open_file(str(b)) is True
    ready(widget, qtbot, b)
    qtbot.wait(50)
    shapes = [lay for lay in viewer.layers if lay.__class__.__name__ == "Shapes"]
    assert all(len(lay.data) == 0 for lay in shapes), [lay.name for lay in shapes]
    assert widget.session.path.name == "b_jump.fits" and widget.session.marked == []


def test_3_no_marks_on_slices_the_product_does_not_have(viewer, qtbot, two, tmp_path):
    a, b = two
    widget = open_in(viewer, qtbot, a)
    viewer.dims.current_step = (1, 11, 32, 32)
    qtbot.wait(20)
    viewer.open(str(b), plugin="napari-showermask")  # A's layers stay: dims keep 2 x 12
    ready(widget, qtbot, b)
    for step in [(1, 11), (0, 11), (1, 3), (0, 3)]:
        viewer.dims.current_step = (*step, 20, 20)
        qtbot.wait(10)
        widget.place(viewer.dims.point[:2] + (20.0, 20.0))
        widget.mark()
    assert widget.session.place((1, 2, 20, 20)) is None
    assert widget.session.place((0, 7, 20, 20)) is None
    assert all(s.integration == 0 and s.group < 5 for s in widget.session.marked)
    assert len(widget.session.marked) == 1  # only (0, 3) exists in B
    path = widget.save_catalog(tmp_path / "b.ecsv")
    assert read_catalog(path) == widget.session.marked


def test_4_work_survives_viewer_open_deleting_layers_and_load_catalog(
    viewer, qtbot, two, tmp_path
):
    a, b = two
    widget = open_in(viewer, qtbot, a)
    widget.place((1, 4, 30, 30))
    shower = widget.mark()
    assert read_catalog(sidecar_path(a)) == [shower]  # kept as it is marked
    viewer.open(str(b), plugin="napari-showermask")  # File > Open / drag and drop
    ready(widget, qtbot, b)
    viewer.layers.remove("b_jump difference")  # deleting the product's image
    qtbot.wait(50)
    open_in(viewer, qtbot, a, widget)
    assert widget.session.marked == [shower]  # restored
    other = write_catalog([Shower(0, 2, 10, 10, 4, 3, 0)], tmp_path / "other.ecsv")
    widget.ask = lambda title, text: False  # "replace the marked showers?" No
    assert not widget.load_catalog(other)
    assert widget.session.marked == [shower]
    widget.ask = lambda title, text: True
    assert widget.load_catalog(other)
    widget.undo()
    assert widget.session.marked == [shower]


def test_3d_display_keeps_marking_2d(viewer, qtbot, two):
    a, _ = two
    widget = open_in(viewer, qtbot, a)
    before = n_messages()
    viewer.dims.ndisplay = 3
    qtbot.wait(50)
    assert viewer.dims.ndisplay == 2
    assert any("3-D" in m for m in messages(before))
    viewer.dims.current_step = (0, 3, 32, 32)
    qtbot.wait(20)
    click(viewer, qtbot, 30, 20)
    assert widget.session.current is not None
    assert (widget.session.current.x, widget.session.current.y) == pytest.approx((30, 20), abs=0.6)


def test_opening_a_product_while_3d_is_shown(viewer, qtbot, two):
    # napari 0.9 raises from its status bar when a labels layer with features (the DQ
    # overlay) becomes active in 3-D before the cursor has a view direction
    a, b = two
    widget = open_in(viewer, qtbot, a)
    viewer.layers.remove(widget.image)  # unbound: 3-D is allowed again, the DQ layer stays
    qtbot.wait(50)
    viewer.dims.ndisplay = 3
    qtbot.wait(50)
    assert viewer.dims.ndisplay == 3 and widget.session is None
    viewer.open(str(b), plugin="napari-showermask")  # raised TypeError inside napari
    qtbot.wait(100)
    assert viewer.dims.ndisplay == 2
    assert widget.session is not None and widget.session.path == b
    names = {layer.name for layer in viewer.layers}
    assert {"b_jump difference", "b_jump DQ", "b_jump showers"} <= names


@pytest.mark.parametrize(
    "shower",
    [
        Shower(0, 3, 20, 20, 6, 3, -30),
        Shower(0, 3, 20, 20, 6, 3, 720),
        Shower(0, 3, 20, 20, 6, 3, 250),
        Shower(0, 3, 20, 20, 6, 0.5, 10),
        Shower(0, 3, 20, 20, 400, 3, 10),
    ],
)
def test_6_edit_any_catalog_angle_or_size(viewer, qtbot, two, shower):
    a, _ = two
    widget = open_in(viewer, qtbot, a)
    widget.session.load([shower])
    widget.edit(0)
    assert widget.session.editing == 0 and widget.session.current == shower
    assert 0 <= widget.shape_panel.theta.value <= 180
    widget.mark()  # unchanged: stored as it was
    assert widget.session.marked == [shower] and widget.session.editing is None
    widget.edit(0)
    widget.shape_panel.theta.value = 45
    widget.mark()
    assert widget.session.marked[0].theta == 45
    assert widget.session.marked[0].semi_minor == shower.semi_minor


def test_7_closing_layers_while_finding_showers(viewer, qtbot, tmp_path):
    from napari_showermask.synthetic.demo import write_ramp

    path, _ = write_ramp(tmp_path / "det_jump.fits", (2, 20, 96, 96), seed=5)
    widget = open_in(viewer, qtbot, path)
    before = n_messages()
    worker = widget.find_showers()
    assert worker is not None
    viewer.layers.clear()
    qtbot.waitUntil(lambda: widget.detect_worker is None, timeout=60000)
    qtbot.wait(50)
    assert not any("closed file" in m or "Error" in m for m in messages(before))
    open_in(viewer, qtbot, path, widget)  # the candidates were kept with the exposure
    assert len(widget.session.candidates) > 0


def test_8_deleted_overlays_and_showers_layer_come_back(viewer, qtbot, two):
    a, _ = two
    widget = open_in(viewer, qtbot, a)
    viewer.dims.current_step = (0, 4, 32, 32)
    widget.place((0, 4, 30, 30))
    viewer.layers.remove("current shower")
    qtbot.waitUntil(lambda: "current shower" in viewer.layers, timeout=5000)
    assert len(viewer.layers["current shower"].data) == 1
    widget.mark()
    viewer.layers.remove("a_jump showers")
    qtbot.waitUntil(lambda: "a_jump showers" in viewer.layers, timeout=5000)
    qtbot.wait(20)
    assert len(viewer.layers["a_jump showers"].data) == 1
    assert widget.binding.showers is viewer.layers["a_jump showers"]


def test_9_quit_closes_only_what_is_its_own(viewer, qtbot, two):
    a, _ = two
    mine = viewer.add_image(np.zeros((8, 8)), name="mine")
    widget = open_in(viewer, qtbot, a)
    sidecar_path(a).mkdir()  # the sidecar cannot be written: the mark stays unsaved
    widget.place((1, 4, 30, 30))
    widget.mark()
    widget.ask = lambda title, text: False
    assert not widget.quit()
    assert "a_jump difference" in viewer.layers
    widget.ask = lambda title, text: True
    assert widget.quit()
    qtbot.wait(50)
    assert [layer.name for layer in viewer.layers] == ["mine"] and mine in viewer.layers
    assert "Shower Masking" not in viewer.window.dock_widgets
    assert viewer.window._qt_window.isVisible()


def test_10_main_window_shrinks_to_a_laptop_screen(viewer, qtbot, two):
    a, _ = two
    window = viewer.window._qt_window  # no public napari API gives the window's size

    def smallest():
        viewer.window.resize(800, 500)
        qtbot.wait(50)
        return window.size().width(), window.size().height()

    viewer.open(str(a), plugin="napari-showermask")
    viewer.add_shapes(ndim=2, name="x")  # as many layers as with the widget
    viewer.add_shapes(ndim=2, name="y")
    alone = smallest()  # napari's own minimum with these layers, without the widget
    viewer.layers.clear()
    qtbot.wait(50)
    open_in(viewer, qtbot, a)
    docked = smallest()
    assert docked[0] <= max(alone[0], 900) and docked[1] <= alone[1], (alone, docked)
