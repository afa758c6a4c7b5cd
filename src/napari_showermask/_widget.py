"""The Shower Masking dock widget (npe2 entry point) and `launch` (``showermask demo --gui``)."""

from __future__ import annotations

import napari

from napari_showermask.viewer._qt.dock import ShowerMaskingWidget

__all__ = ["ShowerMaskingWidget", "launch"]

PLUGIN = "napari-showermask"


def launch(path: str | None = None, block: bool = True) -> ShowerMaskingWidget:
    """Open napari with a product (if given) and the Shower Masking widget docked.

    Parameters
    ----------
    path : str, optional
        A ramp, rate or rateints file, opened with this plugin.
    block : bool
        Run the Qt event loop until the viewer closes.

    Returns
    -------
    ShowerMaskingWidget
        The docked widget; its ``viewer`` is the napari viewer, which its Quit closes.
    """
    viewer = napari.Viewer(title="Shower Masking")
    _, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Shower Masking")
    widget.owns_viewer = True
    if path is not None:
        widget.open_file(path)
    if block:
        napari.run()
    return widget
