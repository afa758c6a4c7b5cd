"""The exposure list, keys, undo and work kept per exposure, in a real viewer (Xvfb)."""

import numpy as np
import pytest
from astropy.io import fits
from qtpy.QtCore import Qt
from support.files import write_product
from support.gui import dock, open_in, ready, shown, small_ramp

from napari_showermask.io.catalog import Shower, read_catalog, write_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path

pytestmark = pytest.mark.gui


@pytest.fixture
def viewer(make_napari_viewer):
    return shown(make_napari_viewer)


@pytest.fixture
def folder(tmp_path):
    small_ramp(tmp_path, "a_jump.fits")
    write_product(tmp_path / "b_rateints.fits", "rateints", (2, 16, 20))
    write_product(tmp_path / "c_rate.fits", "rate", (16, 20))
    (tmp_path / "notes.fits").write_bytes(b"not a product")
    return tmp_path


def rows(widget):
    return [widget.files.list.item(n).text() for n in range(widget.files.list.count())]


def test_folder_next_previous_and_counts(viewer, qtbot, folder):
    widget = dock(viewer)
    write_catalog([Shower(1, 0, 5, 5, 3, 2)], sidecar_path(folder / "b_rateints.fits"))
    assert widget.open_folder(folder)
    ready(widget, qtbot, folder / "a_jump.fits")
    assert [r.splitlines()[0] for r in rows(widget)] == [
        "a_jump.fits",
        "b_rateints.fits",
        "c_rate.fits",
    ]
    assert "0 shower(s), not masked" in rows(widget)[0]
    assert "1 shower(s), not masked" in rows(widget)[1]  # from its sidecar, unopened
    widget.place((1, 4, 30, 30))
    widget.mark()
    assert "1 shower(s)" in rows(widget)[0]
    assert widget.next_exposure()
    ready(widget, qtbot, folder / "b_rateints.fits")
    assert widget.session.marked == [Shower(1, 0, 5, 5, 3, 2)]
    assert "a_jump difference" not in viewer.layers  # one exposure on screen
    assert widget.next_exposure() and not widget.next_exposure()  # c is the last
    assert widget.previous_exposure() and widget.previous_exposure()
    ready(widget, qtbot, folder / "a_jump.fits")
    assert len(widget.session.marked) == 1  # kept
    widget.files.list.setCurrentRow(2)  # picking a row shows it
    ready(widget, qtbot, folder / "c_rate.fits")


def test_keyboard_shortcuts(viewer, qtbot, folder):
    widget = dock(viewer)
    widget.open_folder(folder)
    ready(widget, qtbot)
    canvas = viewer.window._qt_viewer.canvas.native
    canvas.setFocus()
    widget.place((0, 2, 30, 30))
    widget.mark()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(20)
    assert widget.session.marked == []
    qtbot.keyClick(
        canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.wait(20)
    assert len(widget.session.marked) == 1
    qtbot.keyClick(canvas, Qt.Key.Key_PageDown)
    ready(widget, qtbot, folder / "b_rateints.fits")
    qtbot.keyClick(viewer.window._qt_viewer.canvas.native, Qt.Key.Key_PageUp)
    ready(widget, qtbot, folder / "a_jump.fits")


def test_masked_output_opened_later_shows_its_showers(viewer, qtbot, folder):
    widget = open_in(viewer, qtbot, folder / "c_rate.fits")
    widget.place((8.0, 10.0))
    shower = widget.mark()
    widget.save(confirm=False)
    qtbot.waitUntil(lambda: widget.session.masked_up_to_date, timeout=30000)
    assert "masked, up to date" in rows(widget)[0]
    output = default_output(folder / "c_rate.fits")
    open_in(viewer, qtbot, output, widget)
    assert widget.session.marked == [shower]
    with fits.open(output) as hdul:
        assert np.count_nonzero(hdul["DQ"].data & 4) > 0
    widget.open_file(folder / "c_rate.fits")
    ready(widget, qtbot, folder / "c_rate.fits")
    widget.delete(0)  # now the masked file is out of date
    assert "OUT OF DATE" in rows(widget)[0]
    assert read_catalog(sidecar_path(folder / "c_rate.fits")) == []


def test_save_catalog_never_over_the_product_or_its_inputs(viewer, qtbot, folder):
    product = folder / "a_jump.fits"
    widget = open_in(viewer, qtbot, product)
    widget.place((0, 2, 30, 30))
    widget.mark()
    before = product.read_bytes()
    link = folder / "link_jump.fits"
    link.symlink_to(product)
    for target in (product, link, folder / "sub" / ".." / "a_jump.fits"):
        (folder / "sub").mkdir(exist_ok=True)
        assert widget.save_catalog(target, confirm=False) is None
    assert product.read_bytes() == before
    assert widget.save(output=product, confirm=False) is None
    assert product.read_bytes() == before


def test_bad_sidecar_is_reported_and_left_alone(viewer, qtbot, folder):
    sidecar = sidecar_path(folder / "c_rate.fits")
    sidecar.write_text("not a catalog\n")
    widget = open_in(viewer, qtbot, folder / "c_rate.fits")
    widget.place((8.0, 10.0))
    widget.mark()
    assert sidecar.read_text() == "not a catalog\n"
    assert widget.session.dirty and "not saved!" in rows(widget)[0]
