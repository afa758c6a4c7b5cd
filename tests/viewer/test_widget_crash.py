"""Removing layers never crashes napari's canvas (GL programs freed a step later)."""

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from napari_showermask.viewer import glprograms as _glprograms

pytestmark = pytest.mark.gui

TESTS = str(Path(__file__).resolve().parents[1])

READER = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import napari
    from qtpy.QtWidgets import QApplication
    from support.soak import write_products

    def wait():
        for _ in range(20):
            QApplication.processEvents()

    folder = Path(tempfile.mkdtemp())
    a, b, c, d = write_products(folder)
    viewer = napari.Viewer(show=True)
    viewer.open(str(d), plugin="napari-showermask")
    wait()
    viewer.layers.remove("soak_d_rate difference")  # only the DQ layer is left
    viewer.layers.remove("soak_d_rate showers")
    wait()
    viewer.open(str(b), plugin="napari-showermask")
    wait()
    viewer.window._qt_window.resize(900, 700)
    wait()
    viewer.close()
    print("survived")
    """
)

# napari's own layers only; the plugin's fix installed by hand, as the reader does
RANDOM_LAYERS = textwrap.dedent(
    """
    import random, sys
    import numpy as np, napari
    from qtpy.QtWidgets import QApplication
    from napari_showermask.viewer import glprograms as _glprograms

    assert _glprograms.install()
    rng = random.Random(int(sys.argv[1]))
    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    for step in range(120):
        action = rng.choice(["image", "labels", "shapes", "points", "remove", "remove",
                             "remove", "resize"])
        if action == "image":
            viewer.add_image(np.random.rand(20, 30).astype("f4"))
        elif action == "labels":
            viewer.add_labels(np.zeros((20, 30), np.uint8))
        elif action == "shapes":
            viewer.add_shapes([np.array([[1, 1], [5, 5]])], shape_type="ellipse")
        elif action == "points":
            viewer.add_points(np.random.rand(5, 2) * 20)
        elif action == "remove" and len(viewer.layers):
            viewer.layers.remove(viewer.layers[rng.randrange(len(viewer.layers))])
        elif action == "resize":
            window.resize(rng.randint(700, 1200), rng.randint(500, 900))
        for _ in range(5):
            QApplication.processEvents()
    viewer.close()
    print("survived")
    """
)


def run(script, *args):
    """Run a script in its own process (a crash must not take the test run with it)."""
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300
    )


def test_open_after_removing_all_but_the_dq_layer():
    done = run(READER, TESTS)
    assert done.returncode == 0 and "survived" in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_layer_removal_and_resizing_survives(seed):
    # without the deferred freeing, napari 0.9 + vispy 0.17 on Mesa crashed these at
    # actions 2 and 52 of the same sequences
    done = run(RANDOM_LAYERS, str(seed))
    assert done.returncode == 0 and "survived" in done.stdout, done.stderr[-2000:]


def test_programs_are_freed_when_the_next_one_is_created(make_napari_viewer, qtbot):
    assert _glprograms.install() and _glprograms.install()  # idempotent
    viewer = make_napari_viewer(show=True)
    canvas = viewer.window._qt_viewer.canvas._scene_canvas  # no public API gives it
    parser = canvas.context.shared.parser

    def pending_after_a_draw():
        gc.collect()  # the removed visual's program is deleted when it is collected
        canvas.update()
        qtbot.wait(20)
        return _glprograms.pending_programs(parser)

    viewer.add_image(np.zeros((20, 30), "f4"), name="below")
    viewer.add_image(np.zeros((20, 30), "f4"), name="above")
    qtbot.waitUntil(lambda: pending_after_a_draw() == 0, timeout=5000)
    viewer.layers.remove("below")
    qtbot.waitUntil(lambda: pending_after_a_draw() > 0, timeout=10000)
    viewer.add_image(np.zeros((20, 30), "f4"), name="new")
    qtbot.waitUntil(lambda: pending_after_a_draw() == 0, timeout=10000)
