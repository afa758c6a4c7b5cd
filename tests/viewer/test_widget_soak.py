"""A seeded random walk of 300+ user actions over several exposures in a real viewer."""

import pytest
from support.gui import dock, shown
from support.soak import Soak, write_products

pytestmark = pytest.mark.gui


def test_random_review_session(make_napari_viewer, qtbot, tmp_path):
    viewer = shown(make_napari_viewer)
    widget = dock(viewer)
    soak = Soak(widget, qtbot.wait, write_products(tmp_path), seed=20261127)
    soak.run(320)
    assert sum(soak.counts.values()) == 320
    assert len(soak.counts) >= 20  # every kind of action was tried
    assert soak.saves >= 1 and len(widget.sessions) >= 3
