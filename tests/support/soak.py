"""A seeded random walk of user actions over the Shower Masking widget in a real viewer.

Used by ``tests/viewer/test_widget_soak.py`` (a fixed seed, a few hundred actions) and by
``benchmarks/soak_gui.py`` (thousands). After every action the widget's drawings must match
its session; after every save the output's DQ must equal the core masking of the session's
showers; an exposure shown again must have the showers of its sidecar catalog.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
from astropy.io import fits

from napari_showermask.core.geometry import ellipse_to_corners
from napari_showermask.core.masking import mask_array
from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path
from napari_showermask.synthetic.demo import write_ramp
from napari_showermask.viewer._qt.canvas import DQ_MARK

PLUGIN = "napari-showermask"


def write_products(directory: Path) -> list[Path]:
    """Write four small products of three kinds and four shapes; return their paths."""
    from support.files import write_product

    return [
        write_ramp(directory / "soak_a_jump.fits", (2, 6, 40, 48), seed=1)[0],
        write_ramp(directory / "soak_b_jump.fits", (1, 4, 32, 28), seed=2)[0],
        write_product(directory / "soak_c_rateints.fits", "rateints", (3, 30, 36)),
        write_product(directory / "soak_d_rate.fits", "rate", (26, 34)),
    ]


class Soak:
    """Random user actions on a docked widget, each checked.

    Parameters
    ----------
    widget : ShowerMaskingWidget
        Docked in a shown viewer.
    wait : callable
        ``wait(ms)``: process Qt events for that long.
    paths : list of Path
        The products to review.
    seed : int
    """

    def __init__(self, widget, wait, paths, seed):
        self.widget, self.viewer, self.wait = widget, widget.viewer, wait
        self.paths, self.rng = list(paths), random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.saves = 0
        self.history: list[str] = []
        self.log = None  # a file to write each action's name to, if any
        self.widget.ask = lambda title, text: True
        self.widget.choose = lambda title, text: self.rng.choice(["keep", "replace", None])
        self.actions = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("act_")
        }

    # actions -----------------------------------------------------------------------------
    def act_open_widget(self):
        self.widget.open_file(self.rng.choice(self.paths))

    def act_open_viewer(self):
        self.viewer.open(str(self.rng.choice(self.paths)), plugin=PLUGIN)

    def act_exposure_list(self):
        if self.widget.paths:
            self.widget.files.list.setCurrentRow(self.rng.randrange(len(self.widget.paths)))

    def act_next_previous(self):
        (self.widget.next_exposure if self.rng.random() < 0.5 else self.widget.previous_exposure)()

    def act_page(self):
        b = self.widget.binding
        if b is not None and b.alive():
            shape = b.product.shape
            step = list(self.viewer.dims.current_step)
            offset = len(step) - len(shape)
            for axis in range(len(shape) - 2):
                step[offset + axis] = self.rng.randrange(shape[axis] + 1)  # may be off the end
            self.viewer.dims.current_step = tuple(step)

    def _point(self):
        s = self.widget.session
        return self.rng.uniform(-3, s.shape[-1] + 2), self.rng.uniform(-3, s.shape[-2] + 2)

    def act_click(self):
        if self.widget.session is not None and self.viewer.dims.ndisplay == 2:
            from support.gui import click

            x, y = self._point()
            click(self.viewer, _Bot(self.wait), x, y)

    def act_place(self):
        if self.widget.session is not None:
            x, y = self._point()
            self.widget.place((*self.viewer.dims.point[:-2], y, x))

    def act_slider(self):
        panel = self.widget.shape_panel
        slider = self.rng.choice([panel.theta, panel.major, panel.minor, panel.scale])
        slider.value = self.rng.uniform(slider.min, min(slider.max, 60))

    def act_shape_tool(self):
        layer = self.widget.current_layer
        if layer is not None and len(layer.data) == 1:
            moved = layer.data[0].copy()
            moved[:, -2:] += [self.rng.uniform(-4, 4), self.rng.uniform(-4, 4)]
            centre = moved[:, -2:].mean(axis=0)
            moved[:, -2:] = centre + (moved[:, -2:] - centre) * self.rng.uniform(0.6, 1.5)
            layer.data = [moved]

    def act_mark(self):
        s = self.widget.session
        before = list(s.marked) if s is not None else None
        current, overlapped = (s.current, s.overlaps()) if s is not None else (None, [])
        shower = self.widget.mark()
        if s is not None and current is not None and s.editing is None and overlapped:
            if shower is None:  # cancelled: nothing changed
                assert s.marked == before and s.current == current
            else:  # kept both or replaced the overlapped ones
                kept = [m for n, m in enumerate(before) if n not in overlapped]
                assert s.marked[-1] == shower and set(kept) <= set(s.marked)

    def act_fold(self):
        sections = list(self.widget.sections.values())
        section = self.rng.choice(sections)
        section.header.click()
        area = self.widget.column
        assert area.horizontalScrollBar().maximum() == 0  # never a sideways scroll bar

    def act_status(self):
        """The status bar names the DQ flags under a (simulated) mouse position."""
        s, b = self.widget.session, self.widget.binding
        if s is None or b is None or not b.alive():
            return
        x, y = self._point()
        self.viewer.mouse_over_canvas = True
        self.viewer.cursor.position = (*self.viewer.dims.point[:-2], y, x)
        self.viewer.status = "probe"  # napari leaves it when it has nothing new to say
        self.viewer.update_status_from_cursor()
        status = self.viewer.status
        inside = 0 <= round(y) < s.shape[-2] and 0 <= round(x) < s.shape[-1]
        on_slice = b.slice_now(s) is not None
        if isinstance(status, dict) and self.viewer.layers.selection.active is b.image:
            shown = f"{DQ_MARK}DQ " in status["coordinates"]
            assert shown == (inside and on_slice), (status, x, y)

    def _row(self, items):
        return self.rng.randrange(len(items)) if items else -1

    def act_edit(self):
        if self.widget.session is not None:
            self.widget.edit(self._row(self.widget.session.marked))

    def act_delete(self):
        if self.widget.session is not None:
            self.widget.delete(self._row(self.widget.session.marked))

    def act_undo(self):
        self.widget.undo()

    def act_redo(self):
        self.widget.redo()

    def act_catalogs(self):
        s = self.widget.session
        if s is None:
            return
        path = s.path.with_name(f"soak_{self.rng.randrange(3)}.{self.rng.choice(['ecsv', 'reg'])}")
        if self.rng.random() < 0.5:
            self.widget.save_catalog(path, confirm=False)
        elif path.exists():
            self.widget.load_catalog(path)
        assert self.widget.save_catalog(s.path) is None  # never over the product

    def act_find(self):
        s = self.widget.session
        if s is None or s.kind != "ramp":
            return
        self.widget.find_showers()
        if self.rng.random() < 0.3:
            self.widget.cancel_find()
        for _ in range(600):
            if self.widget.detect_worker is None:
                break
            self.wait(20)

    def act_review(self):
        s = self.widget.session
        if s is not None and s.candidates:
            self.widget.candidate_panel.list.setCurrentRow(self._row(s.candidates))
            self.widget.review(self.rng.choice(["accept", "revise", "reject"]))

    def act_delete_layer(self):
        if len(self.viewer.layers):
            self.viewer.layers.remove(self.rng.choice(list(self.viewer.layers)))

    def act_display(self):
        self.viewer.dims.ndisplay = self.rng.choice([2, 3])

    def act_save(self):
        s = self.widget.session
        if s is None:
            return
        worker = self.widget.save(confirm=False)
        if worker is None:
            return
        done = []
        worker.finished.connect(lambda: done.append(True))
        for _ in range(1500):
            if done:
                break
            self.wait(20)
        self.wait(20)
        self.check_saved(s)

    # checks -----------------------------------------------------------------------------
    def check_saved(self, session):
        showers = session.masked
        if showers is None:
            from napari.utils.notifications import notification_manager

            raise AssertionError(f"save did not finish: {notification_manager.records[-3:]}")
        name = "GROUPDQ" if session.kind == "ramp" else "DQ"
        with fits.open(session.path) as src, fits.open(default_output(session.path)) as out:
            expected = src[name].data.copy()
            mask_array(expected, showers, session.kind)
            assert np.array_equal(out[name].data, expected)
        self.saves += 1

    def check(self):
        s, b = self.widget.session, self.widget.binding
        assert (s is None) == (b is None)
        if b is None or not b.alive():
            return
        assert s.path == Path(b.product.path)
        if s.keep_error is None and sidecar_path(s.path).exists():
            assert read_catalog(sidecar_path(s.path)) == s.marked
        at = b.slice_now(s)
        if at is None:
            return
        editing = s.editing
        expected = [s.marked[n] for n in s.visible(*at) if n != editing]
        if b.showers is not None and b.showers in self.viewer.layers:
            _same_ellipses(b.showers.data, expected, "showers")
        if b.candidate_layer is not None and b.candidate_layer in self.viewer.layers:
            found = [s.candidates[n] for n in s.visible(*at, s.candidates)]
            _same_ellipses(b.candidate_layer.data, found, "candidates")
        if b.current_layer is not None and b.current_layer in self.viewer.layers:
            shown = [s.current] if s.current is not None and s.shows_current(*at) else []
            _same_ellipses(b.current_layer.data, shown, "current")
        assert self.viewer.dims.ndisplay == 2

    def check_restored(self, before):
        """An exposure shown again has the showers its session had."""
        s = self.widget.session
        if s is not None and s.path in before:
            assert s.marked == before[s.path], s.path

    def run(self, n):
        """Run ``n`` random actions; return the seconds taken."""
        start = time.perf_counter()
        names = sorted(self.actions)
        weights = {"click": 4, "place": 3, "mark": 4, "page": 4, "slider": 3, "find": 0.4}
        weights |= {"save": 0.6, "delete_layer": 0.7, "open_viewer": 0.8, "display": 0.6}
        weights |= {"fold": 0.8, "status": 1.5}
        for _ in range(n):
            name = self.rng.choices(names, [weights.get(k, 1.5) for k in names])[0]
            kept = {p: list(s.marked) for p, s in self.widget.sessions.items()}
            self.history.append(name)
            if self.log is not None:
                layers = [
                    f"{lay.name}:{type(lay).__name__}:{lay.ndim}:{len(lay.data)}"
                    for lay in self.viewer.layers
                ]
                print(name, self.viewer.dims.ndim, layers, file=self.log, flush=True)
            try:
                self.actions[name]()
                self.counts[name] += 1
                self.wait(5)
                self.check()
                if name in ("open_widget", "open_viewer", "exposure_list", "next_previous"):
                    self.check_restored(kept)
            except Exception as exc:
                raise AssertionError(f"after {self.history[-6:]}: {exc!r}") from exc
        return time.perf_counter() - start


def _same_ellipses(data, showers, what):
    assert len(data) == len(showers), (what, len(data), len(showers))
    for corners, s in zip(data, showers, strict=True):
        want = ellipse_to_corners(s.x, s.y, s.semi_major, s.semi_minor, s.theta)
        assert np.allclose(np.asarray(corners)[:, -2:], want, atol=1e-3)


class _Bot:
    """The part of qtbot that `gui.click` uses."""

    def __init__(self, wait):
        self.wait = wait

    def mouseClick(self, *args, **kwargs):  # noqa: N802 (Qt's name)
        from qtpy.QtTest import QTest

        QTest.mouseClick(*args, **kwargs)
