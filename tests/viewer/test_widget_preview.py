"""The rate preview in a real napari viewer (Xvfb): before/after layer, refits, residuals."""

import math

import numpy as np
import pytest
from stdatamodels.jwst.datamodels import dqflags
from support.gui import click, messages, n_messages, open_in, shown

from napari_showermask.core.geometry import shower_pixels
from napari_showermask.fit.preview import RatePreview
from napari_showermask.synthetic.demo import write_ramp

pytestmark = pytest.mark.gui

SHAPE = (2, 12, 64, 64)


@pytest.fixture
def viewer(make_napari_viewer):
    return shown(make_napari_viewer)


@pytest.fixture
def ramp(tmp_path):
    return write_ramp(tmp_path / "prev_jump.fits", SHAPE, seed=5)


def truth_of(truth, kind):
    return next(s for s in truth.showers if s.extra["kind"] == kind)


def ellipse(shower, shape, grow=0.0):
    """Pixels inside the shower's ellipse with both semi-axes grown by ``grow``."""
    grown = shower.moved(semi_major=shower.semi_major + grow, semi_minor=shower.semi_minor + grow)
    out = np.zeros(shape, bool)
    found = shower_pixels(grown, shape)
    out[found[0]] = found[1]
    return out


def robust(values):
    """Median of the finite values and its standard error from their own scatter."""
    values = values[np.isfinite(values)]
    median = np.median(values)
    mad = np.median(np.abs(values - median))
    return median, 1.2533 * 1.4826 * mad / math.sqrt(values.size)


def excess_sigma(image, shower):
    """Rate excess inside the ellipse over a background annulus (5 to 11 px out), in sigma."""
    inside = ellipse(shower, image.shape)
    annulus = ellipse(shower, image.shape, 11) & ~ellipse(shower, image.shape, 5)
    (level, e1), (background, e2) = robust(image[inside]), robust(image[annulus])
    return (level - background) / math.hypot(e1, e2), level - background


def start(viewer, qtbot, path, integration=0, group=0):
    widget = open_in(viewer, qtbot, path)
    panel = widget.preview_panel
    viewer.dims.current_step = (integration, group, 32, 32)
    panel.enable.native.click()  # as the user does
    qtbot.waitUntil(lambda: panel.layer is not None and panel.worker is None, timeout=60000)
    return widget, panel


def settled(qtbot, panel, showers):
    def done():
        assert panel.worker is None and panel.fit is not None
        assert panel.fit.showers == tuple(showers)

    qtbot.waitUntil(done, timeout=60000)


def test_marking_a_shower_drops_its_preview_excess_to_noise(viewer, qtbot, ramp):
    path, truth = ramp
    bright = truth_of(truth, "bright")
    widget, panel = start(viewer, qtbot, path, 0, bright.group)
    layer = panel.layer
    assert layer.name == "prev_jump rate preview (after masking)"
    assert layer.metadata["showermask_role"] == "preview"
    assert layer.metadata["showermask_path"] == str(widget.binding.path)
    layers = list(viewer.layers)
    assert layers.index(layer) == layers.index(widget.image) + 1  # under DQ and showers
    reference = RatePreview(path)
    before = reference.before(0)
    np.testing.assert_array_equal(layer.data, before)
    limits = tuple(layer.contrast_limits)
    assert limits == pytest.approx(reference.contrast_limits(0))
    sigma_before, rate_before = excess_sigma(layer.data, bright)
    assert sigma_before > 10 and rate_before > 1.0

    # the user shapes the next ellipse with the sliders, clicks its centre and marks it
    shapes = widget.shape_panel
    shapes.major.value, shapes.minor.value = bright.semi_major, bright.semi_minor
    shapes.theta.value = bright.theta
    click(viewer, qtbot, bright.x, bright.y)
    widget.marked_panel.mark_button.native.click()
    marked = widget.session.marked
    assert len(marked) == 1 and abs(marked[0].x - bright.x) < 0.5
    settled(qtbot, panel, marked)
    after = np.asarray(layer.data)
    np.testing.assert_array_equal(after, reference.after(0, marked))
    sigma_after, rate_after = excess_sigma(after, marked[0])
    assert abs(sigma_after) < 4 and abs(rate_after) < rate_before / 5, (sigma_after, rate_after)
    # only the shower's box was refitted: no pixel outside it changed
    (box,) = panel.fit.boxes
    assert box == shower_pixels(marked[0], before.shape)[0]
    changed = ~((after == before) | (np.isnan(after) & np.isnan(before)))
    outside = changed.copy()
    outside[box] = False
    assert changed[box].sum() > 20 and not outside.any()
    assert tuple(layer.contrast_limits) == limits
    (row,) = panel.rows()
    assert row.startswith("shower 1: integration 0 group 4 ") and row.endswith(": ok"), row

    # before/after toggle: same layer, same contrast; its name and the canvas say which
    caption = viewer.canvas.overlays.text
    assert caption.visible and caption.text.endswith("integration 0: AFTER MASKING")
    panel.mode.value = "before"
    np.testing.assert_array_equal(layer.data, before)
    assert tuple(layer.contrast_limits) == limits
    assert layer.name == "prev_jump rate preview (before masking)"
    assert caption.text.endswith("integration 0: BEFORE MASKING")
    panel.mode.value = "after"
    np.testing.assert_array_equal(layer.data, after)
    assert layer.name == "prev_jump rate preview (after masking)"

    # delete: the file's rate comes back; undo: the masked rate again
    widget.marked_panel.list.setCurrentRow(0)
    widget.marked_panel.delete_button.native.click()
    settled(qtbot, panel, [])
    np.testing.assert_array_equal(layer.data, before)
    assert panel.fit.boxes == [box] and panel.rows() == []
    widget.marked_panel.undo_button.native.click()
    settled(qtbot, panel, marked)
    np.testing.assert_array_equal(layer.data, after)

    # accepting a candidate refits its box only; a shower drawn at half size is flagged
    faint = truth_of(truth, "faint")
    small = faint.moved(semi_major=faint.semi_major / 2, semi_minor=faint.semi_minor / 2)
    widget.session.propose([small])
    widget.candidate_panel.list.setCurrentRow(0)
    widget.candidate_panel.accept_button.native.click()
    settled(qtbot, panel, [*marked, small])
    assert panel.fit.boxes == [shower_pixels(small, before.shape)[0]]
    np.testing.assert_array_equal(layer.data, reference.after(0, [*marked, small]))
    rows = panel.rows()
    assert rows[0].endswith(": ok") and "check: glow outside the ellipse" in rows[1], rows
    panel.list.setCurrentRow(1)  # selecting a residual line goes to its shower
    assert viewer.dims.current_step[:2] == (0, small.group)
    reference.close()


def test_one_integration_at_a_time(viewer, qtbot, ramp):
    path, truth = ramp
    widget, panel = start(viewer, qtbot, path, 0, 3)
    assert list(panel.preview._before) == [0]  # the other integration was not read
    for group in (5, 8, 11):  # paging the groups of an integration starts no job
        viewer.dims.current_step = (0, group, 32, 32)
        qtbot.wait(10)
        assert panel.worker is None
    viewer.dims.current_step = (1, 2, 32, 32)
    qtbot.waitUntil(lambda: panel.worker is None and panel.fit.integration == 1, timeout=60000)
    with RatePreview(path) as reference:
        np.testing.assert_array_equal(panel.layer.data, reference.before(1))
        assert tuple(panel.layer.contrast_limits) == pytest.approx(reference.contrast_limits(1))
    assert sorted(panel.preview._before) == [0, 1]
    idle = truth_of(truth, "idle")  # integration 1, from group 0: dropped once masked
    widget.session.propose([idle])
    widget.session.accept(0)
    settled(qtbot, panel, [idle])
    inside = ellipse(idle, panel.layer.data.shape)
    assert np.isnan(panel.layer.data[inside]).all()
    assert "dropped" in panel.rows()[0]


def test_the_layer_follows_the_product(viewer, qtbot, ramp, tmp_path):
    path, _ = ramp
    widget, panel = start(viewer, qtbot, path)
    viewer.layers.remove(panel.layer)  # the user deletes it: the preview is switched off
    qtbot.wait(50)
    assert panel.layer is None and panel.enable.value is False
    widget.place((0, 3, 30, 30))
    widget.mark()
    qtbot.wait(200)
    assert panel.worker is None and not [lay for lay in viewer.layers if "preview" in lay.name]
    panel.enable.value = True  # back on: the marked shower is masked in it
    settled(qtbot, panel, widget.session.marked)
    assert panel.layer in viewer.layers
    other, _ = write_ramp(tmp_path / "other_jump.fits", (1, 6, 40, 48), seed=2)
    assert widget.open_file(str(other))  # the product is switched: its own preview
    qtbot.waitUntil(lambda: panel.layer is not None and panel.worker is None, timeout=60000)
    names = [layer.name for layer in viewer.layers if "preview" in layer.name]
    assert names == ["other_jump rate preview (after masking)"] and panel.layer.data.shape == (
        40,
        48,
    )
    viewer.layers.remove(widget.image)  # the product is closed: its preview goes too
    qtbot.waitUntil(lambda: widget.binding is None, timeout=5000)
    assert not [layer for layer in viewer.layers if "preview" in layer.name]
    assert panel.preview is None and panel.layer is None
    assert not viewer.canvas.overlays.text.visible  # the caption went with its layer
    viewer.layers.clear()
    qtbot.wait(50)


def test_editing_a_shower_refits_its_old_and_new_boxes(viewer, qtbot, ramp):
    path, truth = ramp
    bright = truth_of(truth, "bright")
    widget, panel = start(viewer, qtbot, path, 0, bright.group)
    widget.session.load([bright])
    settled(qtbot, panel, [bright])
    first = np.asarray(panel.layer.data).copy()
    widget.marked_panel.list.setCurrentRow(0)
    widget.marked_panel.edit_button.native.click()
    widget.shape_panel.major.value = bright.semi_major + 4  # grown, then Update Shower
    widget.marked_panel.mark_button.native.click()
    (edited,) = widget.session.marked
    assert edited.semi_major == bright.semi_major + 4
    settled(qtbot, panel, [edited])
    shape = first.shape
    old, new = shower_pixels(bright, shape)[0], shower_pixels(edited, shape)[0]
    assert sorted(panel.fit.boxes, key=str) == sorted([old, new], key=str)
    after = np.asarray(panel.layer.data)
    with RatePreview(path) as reference:
        np.testing.assert_array_equal(after, reference.after(0, [edited]))
    changed = ~((after == first) | (np.isnan(after) & np.isnan(first)))
    ring = ellipse(edited, shape) & ~ellipse(bright, shape)
    assert changed[ring].all() and not changed[~ring].any()  # only the added ring changed


def test_switching_off_and_on_while_fitting(viewer, qtbot, ramp):
    path, _ = ramp
    widget = open_in(viewer, qtbot, path)
    panel = widget.preview_panel
    panel.options = {"rows_per_block": 1}
    for value in (True, False, True):
        panel.enable.native.click()
        assert panel.enable.value is value
    qtbot.waitUntil(lambda: panel.layer is not None and panel.worker is None, timeout=60000)
    assert panel.enable.value is True and panel.fit.integration == 0
    with RatePreview(path) as reference:
        np.testing.assert_array_equal(panel.layer.data, reference.before(0))


def test_cancel_the_first_preview(viewer, qtbot, ramp):
    path, _ = ramp
    widget = open_in(viewer, qtbot, path)
    panel = widget.preview_panel
    panel.options = {"rows_per_block": 1}
    panel.enable.value = True
    assert panel.cancel_button.enabled
    panel.cancel_button.native.click()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=60000)
    assert panel.layer is None and panel.enable.value is False
    assert panel.status.text() == "Rate preview cancelled."
    assert not [layer for layer in viewer.layers if "preview" in layer.name]


def test_a_file_gone_from_disk_switches_the_preview_off(viewer, qtbot, ramp, tmp_path):
    path, _ = ramp
    widget = open_in(viewer, qtbot, path)
    panel = widget.preview_panel
    moved = path.rename(tmp_path / "elsewhere_jump.fits")  # the open product still reads it
    since = n_messages()
    panel.enable.value = True
    qtbot.waitUntil(lambda: panel.worker is None, timeout=60000)
    assert panel.enable.value is False and panel.layer is None
    assert panel.status.text() == "Rate preview failed."
    (message,) = [m for m in messages(since) if "prev_jump.fits" in m]
    assert "\n" not in message
    moved.rename(path)


@pytest.mark.parametrize("kind", ["rate", "rateints"])
def test_rate_products_preview_their_masked_sci(viewer, qtbot, tmp_path, kind):
    from astropy.io import fits
    from conftest import write_product

    shape = (16, 20) if kind == "rate" else (2, 16, 20)
    path = write_product(tmp_path / f"small_{kind}.fits", kind, shape)
    with fits.open(path) as hdus:
        sci, dq = hdus["SCI"].data, hdus["DQ"].data
    expected = np.where(dq & dqflags.pixel["DO_NOT_USE"], np.nan, sci)
    widget = open_in(viewer, qtbot, path)
    panel = widget.preview_panel
    last = shape[0] - 1 if kind == "rateints" else 0
    if kind == "rateints":
        viewer.dims.current_step = (last, 8, 10)
    panel.enable.value = True
    qtbot.waitUntil(lambda: panel.layer is not None and panel.worker is None, timeout=60000)
    expected = expected[last] if kind == "rateints" else expected
    np.testing.assert_array_equal(panel.layer.data, expected)
    widget.place((*([last] if kind == "rateints" else []), 8, 10))
    widget.mark()
    settled(qtbot, panel, widget.session.marked)
    inside = ellipse(widget.session.marked[0], (16, 20))
    assert inside.sum() > 100 and np.isnan(panel.layer.data[inside]).all()
    np.testing.assert_array_equal(panel.layer.data[~inside], expected[~inside])
