"""The rate preview panel: before/after rate of the integration on screen, residual checks."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import napari
from magicgui.widgets import CheckBox, PushButton, RadioButtons
from napari.utils.notifications import show_error
from qtpy.QtGui import QColor
from qtpy.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from napari_showermask.fit.preview import RatePreview
from napari_showermask.fit.residuals import ShowerResidual
from napari_showermask.viewer._qt.binding import ProductBinding
from napari_showermask.viewer._qt.jobs import start_job
from napari_showermask.viewer._qt.layout import narrow_list, tip
from napari_showermask.viewer._qt.panels import button_row, connect_rows
from napari_showermask.viewer._qt.previewlayer import PreviewLayer
from napari_showermask.viewer._qt.ratejobs import (
    PreviewFailed,
    PreviewFit,
    compute_preview,
    compute_residuals,
)
from napari_showermask.viewer.session import MaskingSession

if TYPE_CHECKING:
    from napari_showermask.viewer._qt.dock import ShowerMaskingWidget

FLAGGED = QColor("orange")


class PreviewPanel(QWidget):
    """Rate preview of the product on screen, fitted lazily one integration at a time.

    The ``<stem> rate preview`` layer (metadata role ``'preview'``: one of the product's
    layers) shows the integration on screen before or after masking the marked showers,
    with one contrast; every change of the marked showers refits only their boxes, and the
    list shows each shower's residual check. Jobs run in a worker with a progress bar.

    Parameters
    ----------
    widget : ShowerMaskingWidget
        Gives the viewer and, when `set_session` is called, the product binding.

    Attributes
    ----------
    layer : napari.layers.Image or None
    fit : PreviewFit or None
        The last complete preview shown.
    options : dict
        Keyword arguments of `RatePreview` (e.g. ``workers``, ``rows_per_block``).
    """

    def __init__(self, widget: ShowerMaskingWidget) -> None:
        super().__init__()
        self.widget, self.viewer = widget, widget.viewer
        self.session: MaskingSession | None = None
        self.binding: ProductBinding | None = None
        self.preview: RatePreview | None = None
        self.shown = PreviewLayer(self.viewer)
        self.fit: PreviewFit | None = None
        self.options: dict[str, Any] = {}
        self.worker: Any = None
        self._job: dict[str, Any] | None = None
        self._generation = 0  # bumped when the product goes: older jobs' results are dropped
        self._pending = False
        self._following = False
        self._checked: Any = False  # the showers the residual list is for
        self.enable = CheckBox(text="Rate preview (DN/s)", value=False)
        self.mode = RadioButtons(choices=("before", "after"), orientation="horizontal")
        self.mode.value = "after"
        self.cancel_button = PushButton(text="Cancel Preview", enabled=False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.list = narrow_list(QListWidget())
        self.list.setFixedHeight(80)
        self.list.setWordWrap(True)  # whole residual lines, as ``apply --report`` prints
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        tip(self.enable, "Fit the rate of the integration on screen, before or after masking.")
        tip(self.cancel_button, "Stop the fit running now (the last preview stays).")
        tip(self.list, "Residual check of each marked shower; orange: look at it again.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.enable.native)
        layout.addWidget(button_row(self.mode, self.cancel_button))
        layout.addWidget(self.status)
        title = QLabel("Residual check (orange: check it)")
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(self.list)
        # after the row: placing magicgui's radio buttons clears their own tooltips
        tip(self.mode, "Show the rate before or after masking the marked showers.")
        self.enable.changed.connect(self._on_enable)
        self.mode.changed.connect(lambda value: self._show())
        self.cancel_button.clicked.connect(self.cancel)
        connect_rows(self.list, lambda row: self.widget.go_to(row))
        self.destroyed.connect(lambda *args, this=self: this._follow_viewer(False))

    # product and session ----------------------------------------------------------------
    def set_session(self, session: MaskingSession | None) -> None:
        """Follow the widget's product and session (None: none); the old preview goes."""
        self.detach()
        binding = self.widget.binding
        if session is None or binding is None:
            return
        self.session, self.binding = session, binding
        session.marked_changed.connect(self._on_marked)
        self._follow_viewer(True)
        self.refresh()

    def detach(self) -> None:
        """Remove the preview layer and close the preview (a running job is cancelled)."""
        if self.session is not None:
            self.session.marked_changed.disconnect(self._on_marked)
        self._follow_viewer(False)
        self._generation += 1
        if self._job is not None:
            self._job["cancel"].set()  # its preview is closed when it finishes
        elif self.preview is not None:
            self.preview.close()
        self.preview = self.fit = self.session = self.binding = None
        self._pending = False
        self._remove_layer()
        self._show_residuals([], checked=False)
        self.status.setText("")

    def _follow_viewer(self, on: bool) -> None:
        if on == self._following:
            return
        self._following = on
        pairs = [
            (self.viewer.dims.events.current_step, self._on_step),
            (self.viewer.layers.events.removed, self._on_removed),
        ]
        for emitter, callback in pairs:
            emitter.connect(callback) if on else emitter.disconnect(callback)

    # jobs ---------------------------------------------------------------------------------
    def integration(self) -> int | None:
        """Return the integration on screen (0 for rate products), None off the data."""
        if self.binding is None or self.session is None or not self.binding.alive():
            return None
        at = self.binding.slice_now(self.session)
        return None if at is None else at[0]

    def refresh(self) -> None:
        """Bring the preview up to date (integration on screen, marked showers) in a worker."""
        integration = self.integration()
        if not self.enable.value or integration is None or self.session is None:
            return
        if self._job is not None:
            self._pending = True  # run again when this one ends
            return
        assert self.binding is not None  # integration() is None without one
        showers, path = tuple(self.session.marked), self.binding.product.path
        first = self.preview is None or self.fit is None or self.fit.integration != integration
        if first:
            self.status.setText(f"Fitting the rate of integration {integration}...")
        job = self._start("fit", integration, f"Rate preview of integration {integration}")
        self.worker = start_job(
            compute_preview,
            job,
            path,
            integration,
            showers,
            dict(self.options),
            desc=job["desc"],
            returned=lambda fit: self._returned(job, fit),
        )
        self._watch(job)

    def _check(self) -> None:
        """Check the residuals of the showers of the preview shown, in a worker."""
        assert self.fit is not None
        job = self._start("residuals", self.fit.integration, "Residual check")
        self.worker = start_job(
            compute_residuals,
            job,
            self.fit.showers,
            desc=job["desc"],
            returned=lambda residuals: self._returned(job, residuals),
        )
        self._watch(job)

    def _start(self, kind: str, integration: int, desc: str) -> dict[str, Any]:
        job: dict[str, Any] = {
            "preview": self.preview,
            "cancel": threading.Event(),
            "gen": self._generation,
        }
        job |= {"kind": kind, "integration": integration, "desc": desc}
        self._job = job
        self.cancel_button.enabled = True
        return job

    def _watch(self, job: dict[str, Any]) -> None:
        self.worker.errored.connect(lambda exc: self._failed(job))
        self.worker.finished.connect(lambda: self._finished(job))

    def cancel(self) -> None:
        """Stop the running job: the last complete preview stays; updates stop."""
        if self._job is not None:
            self._job["cancel"].set()
            self._pending = False

    def _returned(self, job: dict[str, Any], fit: Any) -> None:
        if job["gen"] != self._generation:
            return
        if isinstance(fit, PreviewFailed):
            show_error(fit)
            self._failed(job)
            return
        if job["kind"] == "residuals":
            self._show_residuals(fit)
            return
        if fit is None and self._pending:
            return  # switched off and on again: the next job follows
        if fit is None:
            shown = self.fit is not None and self.fit.integration == job["integration"]
            if shown:  # the last complete preview stays; the next change updates it
                self.status.setText("Update cancelled: the preview is not up to date.")
            else:
                self.status.setText("Rate preview cancelled.")
                self.enable.value = False
            return
        self.fit = fit
        self._show()

    def _failed(self, job: dict[str, Any]) -> None:
        if job["gen"] == self._generation:
            self.status.setText("Rate preview failed.")
            self._pending = False
            self.enable.value = False

    def _finished(self, job: dict[str, Any]) -> None:
        self._job = self.worker = None
        self.cancel_button.enabled = False
        if job["gen"] != self._generation:
            if job["preview"] is not None:
                job["preview"].close()
        else:
            self.preview = job["preview"]
        if self._pending:
            self._pending = False
            self.refresh()
        elif job["kind"] == "fit" and self.fit is not None and self.fit.showers != self._checked:
            if job["gen"] == self._generation and self.preview and self.enable.value:
                self._check()

    # events -------------------------------------------------------------------------------
    def _on_enable(self, on: bool) -> None:
        if on:
            self.refresh()
        else:
            self.cancel()
            self._remove_layer()

    def _on_marked(self) -> None:
        self.refresh()

    def _on_step(self, event: Any = None) -> None:
        if not self.enable.value:
            return
        job, fit = self._job, self.fit
        target = job["integration"] if job else fit.integration if fit else None
        integration = self.integration()
        if target is not None and integration is not None and integration != target:
            self.refresh()  # the new integration's preview (cached if fitted before)

    def _on_removed(self, event: Any) -> None:
        if self.layer is not None and event.value is self.layer:
            self.shown.forget()  # deleted by the user: the preview is switched off
            self.enable.value = False

    # drawing ------------------------------------------------------------------------------
    @property
    def layer(self) -> napari.layers.Image | None:
        """The ``<stem> rate preview (...)`` layer (None: not shown)."""
        return self.shown.layer

    def _show(self) -> None:
        fit, binding = self.fit, self.binding
        if fit is None or binding is None or not binding.alive() or not self.enable.value:
            return
        mode = str(self.mode.value)
        data = fit.after if mode == "after" else fit.before
        self.shown.show(binding, data, fit.limits, fit.integration, mode)
        boxes = len(fit.boxes)
        self.status.setText(
            f"Integration {fit.integration} {mode} masking "
            f"{len(fit.showers)} marked shower(s); last update refitted {boxes} box(es)."
        )

    def _remove_layer(self) -> None:
        self.shown.remove()

    def _show_residuals(self, residuals: list[ShowerResidual], checked: Any = None) -> None:
        self._checked = tuple(r.shower for r in residuals) if checked is None else checked
        self.list.blockSignals(True)
        self.list.clear()
        for n, residual in enumerate(residuals, start=1):
            item = QListWidgetItem(f"shower {n}: {residual.text()}")
            item.setToolTip(residual.text())
            if residual.flags:
                item.setForeground(FLAGGED)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def rows(self) -> list[str]:
        """Return the residual lines shown in the list."""
        items = (self.list.item(n) for n in range(self.list.count()))
        return [item.text() for item in items if item is not None]
