"""The dock at napari's default window size (1280 x 800): fit, order, tooltips, status bar."""

import pytest
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QLabel,
    QListWidget,
    QMessageBox,
    QScrollBar,
)
from support.gui import dock, open_in, small_ramp

from napari_showermask.io.catalog import Shower
from napari_showermask.synthetic.demo import write_ramp

pytestmark = pytest.mark.gui

LONG_NAME = "jw01234001001_02101_00001_mirimage_with_a_long_observation_label_jump.fits"
MAIN_FLOW = ["exposures", "find", "ellipse", "marked", "save"]


@pytest.fixture
def viewer(make_napari_viewer):
    """A shown viewer at napari's default 1280 x 800."""
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1280, 800)  # no public API sizes the window
    return viewer


def settle(qtbot, ms=200):
    QApplication.processEvents()
    qtbot.wait(ms)


def geometry(widget):
    area = widget.column
    return {
        "dock": widget.dock().width(),
        "content": area.widget().width(),
        "viewport": (area.viewport().width(), area.viewport().height()),
        "needed": area.widget().minimumSizeHint().height(),
        "hbar": area.horizontalScrollBar().maximum(),
        "vbar": area.verticalScrollBar().maximum(),
    }


def test_the_main_flow_fits_the_dock_without_scroll_bars(viewer, qtbot, tmp_path):
    path = small_ramp(tmp_path, name=LONG_NAME)
    widget = open_in(viewer, qtbot, path)
    widget.open_files([small_ramp(tmp_path, name=f"b{n}_jump.fits", seed=n) for n in range(4)])
    widget.show_exposure(path)
    widget.session.load([Shower(0, n, 10 + 9 * n, 20, 4, 3, 10 * n) for n in range(6)])
    widget.session.propose([Shower(1, n, 50, 10 + 8 * n, 5, 3, 0) for n in range(7)])
    settle(qtbot)
    sections = widget.sections
    assert list(sections) == [*MAIN_FLOW[:4], "display", "check", "save"]  # the work's order
    assert all(sections[name].expanded for name in MAIN_FLOW)
    size = geometry(widget)
    print(size)
    assert size["content"] <= size["dock"] and size["hbar"] == 0, size
    assert not widget.column.horizontalScrollBar().isVisible()
    assert size["vbar"] == 0 and not widget.column.verticalScrollBar().isVisible(), size
    # long names are elided in the middle, the whole path is the tooltip
    item = widget.files.list.item(0)
    assert item.toolTip() == str(path) and LONG_NAME in item.text()
    assert widget.status.toolTip().startswith(str(path))
    assert widget.status.text().startswith(LONG_NAME)  # the label elides it when drawn
    # lists are as tall as their rows, up to a few of them
    marked = widget.marked_panel.list
    assert marked.height() < marked.sizeHintForRow(0) * 6 + 8
    # the folded sections open, then scroll
    sections["display"].header.click()
    sections["check"].header.click()
    settle(qtbot)
    assert sections["check"].expanded and widget.preview_panel.isVisible()
    assert geometry(widget)["hbar"] == 0


def test_every_control_has_a_tooltip_and_units(viewer, qtbot, tmp_path):
    widget = open_in(viewer, qtbot, small_ramp(tmp_path))
    for section in widget.sections.values():
        section.set_expanded(True)
    settle(qtbot, 50)
    kinds = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QListWidget)
    controls = [c for kind in kinds for c in widget.findChildren(kind)]
    controls = [c for c in controls if not isinstance(c, QScrollBar)]
    assert len(controls) > 30
    missing = [f"{type(c).__name__} {getattr(c, 'text', lambda: '')()}" for c in controls]
    missing = [name for name, c in zip(missing, controls, strict=True) if not c.toolTip().strip()]
    assert missing == []
    labels = " ".join(label.text() for label in widget.findChildren(QLabel))
    for unit in ("Theta (deg)", "Semi-major (px)", "Semi-minor (px)", "Contrast (+/- k sigma)"):
        assert unit in labels
    assert "counter-clockwise from +x" in widget.shape_panel.theta.native.toolTip()
    # the sliders' tracks line up (a form: labels in one column)
    shape = widget.shape_panel
    for group in [(shape.theta, shape.major, shape.minor), (shape.scale, shape.opacity)]:
        tracks = [slider.native.findChild(QAbstractSlider) for slider in group]
        lefts = {track.mapTo(widget, track.rect().topLeft()).x() for track in tracks}
        widths = {track.width() for track in tracks}
        assert len(lefts) == 1 and len(widths) == 1, (lefts, widths)


def test_after_find_the_candidates_are_in_view(viewer, qtbot, tmp_path):
    path, truth = write_ramp(tmp_path / "det_jump.fits", (2, 20, 96, 96), seed=5)
    widget = open_in(viewer, qtbot, path)
    sections = widget.sections
    sections["find"].set_expanded(False)
    for name in ("display", "check"):
        sections[name].set_expanded(True)
    widget.session.load([Shower(0, n, 10 + 9 * n, 20, 4, 3) for n in range(8)])
    settle(qtbot)
    bar = widget.column.verticalScrollBar()
    bar.setValue(bar.maximum())  # the user scrolled down to the save buttons
    settle(qtbot, 50)
    candidates = widget.candidate_panel.list
    assert candidates.visibleRegion().isEmpty()
    widget.candidate_panel.find_button.native.click()
    qtbot.waitUntil(lambda: widget.detect_worker is None, timeout=60000)
    settle(qtbot)
    assert candidates.count() == len(truth.showers) > 0
    assert sections["find"].expanded and candidates.isVisible()
    visible = candidates.visibleRegion().boundingRect()
    assert visible.height() >= min(candidates.height(), 3 * candidates.sizeHintForRow(0))


@pytest.mark.parametrize(
    "kind, shape, point, text",
    [
        ("ramp", (2, 8, 16, 20), (0, 2, 7, 7), "DQ 4: JUMP_DET"),
        ("rate", (16, 20), (9, 0), "DQ 2147483649: DO_NOT_USE, REFERENCE_PIXEL"),
    ],
)
def test_the_status_bar_names_the_dq_flags_under_the_mouse(
    viewer, qtbot, tmp_path, kind, shape, point, text
):
    from conftest import write_product

    widget = open_in(viewer, qtbot, write_product(tmp_path / f"s_{kind}.fits", kind, shape))
    viewer.dims.current_step = (*point[:-2], 8, 8)
    viewer.mouse_over_canvas = True
    viewer.cursor.position = tuple(float(v) for v in point)
    viewer.update_status_from_cursor()  # what napari's status thread does on a mouse move
    qtbot.waitUntil(lambda: viewer.status["coordinates"].endswith(text), timeout=3000)
    bar = viewer.window._qt_window.statusBar()  # the Qt status bar shows it
    assert any(text in label.text() for label in bar.findChildren(QLabel))
    viewer.cursor.position = (*point[:-2], 40.0, 40.0)  # off the image: napari's text only
    viewer.update_status_from_cursor()
    assert "DQ" not in viewer.status["coordinates"]
    assert not hasattr(widget, "dq_status")  # not at the bottom of the dock any more


def overlapping_ramp(viewer, qtbot, tmp_path):
    widget = open_in(viewer, qtbot, small_ramp(tmp_path))
    marked = Shower(0, 3, 20, 20, 6, 4)
    widget.session.load([marked])
    widget.session.propose([Shower(0, 5, 24, 22, 5, 5), Shower(1, 2, 40, 40, 3, 3)])
    viewer.dims.current_step = (0, 4, 32, 32)
    widget.place((0, 4, 21, 23))
    return widget, marked


def test_marking_over_a_marked_shower_asks_keep_replace_or_cancel(viewer, qtbot, tmp_path):
    widget, marked = overlapping_ramp(viewer, qtbot, tmp_path)
    asked = []
    answers = iter([None, "replace"])
    widget.choose = lambda title, text: asked.append(text) or next(answers)
    current = widget.session.current
    assert widget.mark() is None  # cancelled: nothing changes
    assert widget.session.marked == [marked] and widget.session.current == current
    assert "overlaps 1 marked shower(s) of integration 0" in asked[0]
    widget.marked_panel.mark_button.native.click()
    assert widget.session.marked == [current] and len(asked) == 2
    widget.candidate_panel.list.setCurrentRow(1)  # integration 1: overlaps nothing
    widget.review("accept")
    assert len(asked) == 2 and len(widget.session.marked) == 2


def test_the_overlap_dialog_answers(viewer, qtbot, tmp_path):
    widget, marked = overlapping_ramp(viewer, qtbot, tmp_path)
    widget.candidate_panel.list.setCurrentRow(0)
    candidate = widget.session.candidates[0]
    seen = []

    def answer(button):
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        seen.append(sorted(b.text() for b in box.buttons()))
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(200, lambda: answer("Keep Both"))
    widget.candidate_panel.accept_button.native.click()
    assert widget.session.marked == [marked, candidate]
    widget.undo()
    widget.candidate_panel.list.setCurrentRow(0)
    QTimer.singleShot(200, lambda: answer("Replace"))
    widget.review("accept")
    assert widget.session.marked == [candidate]
    widget.undo()
    widget.candidate_panel.list.setCurrentRow(0)
    QTimer.singleShot(200, lambda: answer("Cancel"))
    widget.review("accept")
    assert widget.session.marked == [marked] and widget.session.candidates[0] == candidate
    assert seen[0] == ["Cancel", "Keep Both", "Replace"]


def test_a_truncated_jump_file_opened_in_napari_says_why(viewer, qtbot, tmp_path):
    from support.gui import messages, n_messages

    ramp = small_ramp(tmp_path)
    cut = tmp_path / "cut_jump.fits"
    cut.write_bytes(ramp.read_bytes()[:-5000])
    widget = dock(viewer)
    before = n_messages()
    assert viewer.open(str(cut), plugin="napari-showermask") == []  # no exception, no layer
    found = messages(before)
    assert len(found) == 1 and found[0].startswith(str(cut)), found
    assert "cut_jump.fits: truncated" in found[0]
    assert len(viewer.layers) == 0 and widget.session is None
    # the dock's own Open gives the same one line
    assert not widget.open_file(cut)
    assert messages(before)[1:] == found
