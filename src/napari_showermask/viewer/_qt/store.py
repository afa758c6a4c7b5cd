"""Work kept per exposure: sessions restored from and saved to the sidecar catalogs."""

from __future__ import annotations

from pathlib import Path

from napari.utils.notifications import show_error

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import check_showers
from napari_showermask.core.products import Product
from napari_showermask.io.catalog import read_catalog, write_catalog
from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import sidecar_path
from napari_showermask.viewer.session import MaskingSession


def restored_session(product: Product) -> MaskingSession:
    """Return a session for a product, with the showers of its sidecar catalog.

    A sidecar that cannot be read or does not fit the product is reported (notification)
    and left alone: the session will not write over it (`keep` refuses).

    Parameters
    ----------
    product : Product

    Returns
    -------
    MaskingSession
        Its ``masked`` holds the showers of the product's masked file, when that file
        and its own sidecar exist.
    """
    session = MaskingSession(product.kind, product.shape, product.path)
    sidecar = sidecar_path(product.path)
    if sidecar.exists():
        try:
            showers = read_catalog(sidecar)
            check_showers(showers, product.kind, product.shape, sidecar)
        except ShowerMaskError as exc:
            session.keep_error = str(exc)
            show_error(f"{exc} (kept as it is; marks are not saved there)")
        else:
            session.set_kept(showers)
            session.restore(showers)
    output = default_output(product.path)
    if output.is_file() and sidecar_path(output).is_file():
        try:
            session.set_masked(read_catalog(sidecar_path(output)))
        except ShowerMaskError:
            pass
    return session


def keep(session: MaskingSession, reviewed: bool = False) -> bool:
    """Write the marked showers to the product's sidecar catalog if they changed.

    With ``reviewed`` (a masked file was saved) an exposure with no sidecar gets one,
    empty when nothing is marked: reviewed, no showers.

    Returns
    -------
    bool
        True when the sidecar holds the marked showers; False (with a notification) when
        it could not be written: the work is then unsaved.
    """
    if session.path is None or not (session.dirty or (reviewed and session.kept is None)):
        return True
    error = session.keep_error
    if error is None:
        try:
            write_catalog(
                session.marked, sidecar_path(session.path), overwrite=True, inputs=[session.path]
            )
        except ShowerMaskError as exc:
            error = str(exc)
        else:
            session.set_kept(session.marked)
            return True
    show_error(f"Marked showers not saved: {error}")
    session.kept_changed.emit()
    return False


def record_masked(session: MaskingSession, output: Path, showers: list) -> None:
    """Record the showers a masked file was made with, in its own sidecar catalog."""
    try:
        write_catalog(
            showers, sidecar_path(output), overwrite=True, inputs=[output, *_inputs(session)]
        )
    except ShowerMaskError as exc:
        show_error(str(exc))
    if session.path is not None and output == default_output(session.path):
        session.set_masked(showers)


def _inputs(session: MaskingSession) -> list[Path]:
    return [session.path] if session.path is not None else []
