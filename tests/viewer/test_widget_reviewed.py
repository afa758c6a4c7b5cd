"""Saving an exposure reviewed with no showers leaves an empty sidecar: reviewed, none."""

import pytest
from support.gui import open_in, shown, small_ramp

from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path

pytestmark = pytest.mark.gui


def test_saving_with_no_marked_showers_writes_an_empty_sidecar(
    make_napari_viewer, qtbot, tmp_path
):
    viewer = shown(make_napari_viewer)
    ramp = small_ramp(tmp_path)
    assert not sidecar_path(ramp).exists()
    widget = open_in(viewer, qtbot, ramp)
    assert widget.session.marked == []
    widget.save(confirm=False)
    qtbot.waitUntil(lambda: sidecar_path(ramp).exists(), timeout=30000)
    assert default_output(ramp).is_file()
    assert read_catalog(sidecar_path(ramp)) == []
