"""One file's task: apply its shower catalog, or detect its showers and write their catalog.

The command line, the batch runner (local processes or a cluster), the pipeline Step and
the napari widget all run a file through these functions, so each does the same checks in
the same order and fails with the same one-line reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import open_product
from napari_showermask.core.shower import Shower
from napari_showermask.io.catalog import read_catalog, write_catalog
from napari_showermask.io.masked import write_masked
from napari_showermask.io.paths import candidates_path, check_output, sidecar_path

if TYPE_CHECKING:
    from napari_showermask.detect.params import DetectionParams

__all__ = ["apply_file", "catalog_of", "detect_file", "error_line", "find_showers", "showers_of"]

PathLike = str | os.PathLike[str]


def catalog_of(path: PathLike, catalog: PathLike | None = None, option: str = "") -> Path:
    """Return the catalog to apply to a product: the one given, else its sidecar.

    Parameters
    ----------
    path : str or path-like
        The product.
    catalog : str or path-like, optional
        A catalog the user named.
    option : str
        How the user names a catalog (e.g. ``'--showers'``), said in the error.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ShowerMaskError
        No catalog given and no sidecar beside the product.
    """
    if catalog is not None:
        return Path(catalog)
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        given = f"no {option} given and " if option else ""
        raise ShowerMaskError(f"{path}: {given}no sidecar catalog {sidecar.name}")
    return sidecar


def showers_of(
    path: PathLike, catalog: PathLike | None = None, option: str = ""
) -> tuple[list[Shower], Path]:
    """Read the showers to apply to a product, checked against its kind.

    Parameters
    ----------
    path : str or path-like
        The product.
    catalog : str or path-like, optional
        A catalog; the product's sidecar when omitted (see `catalog_of`).
    option : str
        How the user names a catalog, said in the error when there is none.

    Returns
    -------
    tuple of (list of Shower, pathlib.Path)
        The showers and the catalog they were read from.
    """
    with open_product(path) as product:
        kind = product.kind
    source = catalog_of(path, catalog, option)
    return read_catalog(source, kind=kind), source


def apply_file(
    path: PathLike,
    catalog: PathLike | None = None,
    output: PathLike | None = None,
    overwrite: bool = False,
    others: Sequence[PathLike] = (),
    counted: Callable[[int], None] | None = None,
) -> tuple[Path, int]:
    """Write a product's masked copy from its catalog.

    Parameters
    ----------
    path : str or path-like
        The product.
    catalog : str or path-like, optional
        The catalog; the product's sidecar when omitted.
    output : str or path-like, optional
        The masked file; ``<stem>_showers_masked.fits`` beside the input when omitted.
    overwrite : bool
        Replace an existing output.
    others : sequence of str or path-like
        Other inputs of the same command (a batch's products): never the output either.
    counted : callable, optional
        Told the number of showers before the file is written (a batch notes it with
        the file, so a worker that dies once it published still reports it).

    Returns
    -------
    tuple of (pathlib.Path, int)
        The file written and the number of showers masked.
    """
    showers, source = showers_of(path, catalog)
    if counted is not None:
        counted(len(showers))
    sources = [source, *others]
    written = write_masked(
        path, showers, output, overwrite=overwrite, catalog_name=source, inputs=sources
    )
    return written, len(showers)


def find_showers(
    path: PathLike,
    workers: int | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    params: DetectionParams | None = None,
) -> list[Shower]:
    """Detect candidate showers in a ramp product.

    Parameters
    ----------
    path : str or path-like
        A ramp product.
    workers : int, optional
        Threads of the detector; its default when omitted.
    progress : callable, optional
        Called with the fraction done.
    cancelled : callable, optional
        Returns True to stop (`napari_showermask.DetectionCancelled` is raised).
    params : DetectionParams, optional
        The detector's tuning; its defaults when omitted.

    Returns
    -------
    list of Shower
    """
    from napari_showermask.detect.detector import detect_showers  # scipy, skimage: on use

    threads = {} if workers is None else {"workers": workers}
    with open_product(path) as product:
        return detect_showers(product, params, progress=progress, cancelled=cancelled, **threads)


def detect_file(
    path: PathLike,
    output: PathLike | None = None,
    accept: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    params: DetectionParams | None = None,
    counted: Callable[[int], None] | None = None,
) -> tuple[Path, int]:
    """Detect a ramp's showers and write their catalog.

    Parameters
    ----------
    path : str or path-like
        A ramp product.
    output : str or path-like, optional
        The catalog; ``<stem>_candidates.ecsv`` (or the sidecar with ``accept``) beside
        the input when omitted.
    accept : bool
        Write straight into the sidecar (the showers to mask) instead of the candidates.
    overwrite : bool
        Replace an existing catalog.
    workers : int, optional
        Threads of the detector.
    params : DetectionParams, optional
        The detector's tuning; its defaults when omitted.
    counted : callable, optional
        As in `apply_file`.

    Returns
    -------
    tuple of (pathlib.Path, int)
        The catalog written and the number of showers in it.
    """
    if output is None:
        output = sidecar_path(path) if accept else candidates_path(path)
    check_output(output, [path], overwrite)  # before the long work
    from napari_showermask.detect.params import DetectionParams
    from napari_showermask.detect.provenance import detection_parameters

    showers = find_showers(path, workers=workers, params=params)
    if counted is not None:
        counted(len(showers))
    meta = {"detection": detection_parameters(params or DetectionParams())}
    written = write_catalog(showers, output, overwrite=overwrite, inputs=[path], meta=meta)
    return written, len(showers)


def error_line(path: PathLike, exc: BaseException) -> str:
    """Return the one-line reason a file failed, naming the file.

    Parameters
    ----------
    path : str or path-like
        The file the task ran on.
    exc : BaseException
        What it raised: a `ShowerMaskError` gives its own text; anything else (a defect,
        a lost worker) its type and first line.

    Returns
    -------
    str
        One line that starts with the file's path.
    """
    lines = str(exc).strip().splitlines()
    if isinstance(exc, ShowerMaskError):
        text = lines[0] if lines else "failed"
    else:
        text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    if not text.startswith(str(path)):
        text = f"{path}: {text}"
    return text
