"""`ShowerMaskStep`: shower masking as a jwst pipeline step (``strun showermask x_jump.fits``).

Needs the ``pipeline`` extra (jwst); nothing else in the package imports this module.
stpipe finds the step through the ``stpipe.steps`` entry point (`get_steps`), so
``strun showermask``, ``stpipe list`` and ``napari_showermask::showermask`` know it.

Which showers are masked, when ``showers`` is not given: the input's sidecar catalog
``<stem>_showers.ecsv`` (`napari_showermask.io.paths.sidecar_path`). A step run as a
post-hook of ``jump`` in ``calwebb_detector1`` receives a model that is not on disk yet
(named after the pipeline's input, e.g. ``x_uncal.fits``): it also looks for the sidecar
of that exposure's jump product, ``<root>_jump_showers.ecsv``, in the input directory.
So the catalogs reviewed on ``x_jump.fits`` apply when the whole pipeline is re-run on
``x_uncal.fits``. With no catalog the step is skipped (``meta.cal_step.showermask =
'SKIPPED'``) unless ``detect`` is on.

The masking is `napari_showermask.core.masking.mask_array`, the same rules and code as
``showermask apply``, so the output's DQ plane equals the ``apply`` output's. The output
is published like ``apply``'s (`napari_showermask.io.publish.publish_model`): complete or
not at all, never onto the input or the catalog, whatever ``--suffix``, ``--output_dir``
or ``--output_file`` say (an earlier output of the step is replaced, as stpipe does). Bad
input is one ERROR line through the step's logger naming the file and the reason, and
`StepFailed` (``strun`` exits with status 2, no traceback).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from jwst.lib.suffix import remove_suffix
from jwst.stpipe import Step
from stdatamodels.jwst import datamodels
from stpipe.exceptions import StpipeExitException

from napari_showermask import __version__
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import check_showers, mask_array
from napari_showermask.core.products import KIND_BY_MODEL, open_product, stem
from napari_showermask.core.shower import Shower
from napari_showermask.detect.params import DetectionParams
from napari_showermask.io.catalog import read_catalog
from napari_showermask.io.history import history_lines
from napari_showermask.io.paths import sidecar_path
from napari_showermask.io.publish import publish_model

__all__ = ["ShowerMaskStep", "StepFailed", "get_steps"]

_MODELS = (datamodels.RampModel, datamodels.CubeModel, datamodels.ImageModel)


def get_steps() -> list[tuple[str, str, bool]]:
    """List the steps of this package for stpipe's ``stpipe.steps`` entry point.

    Returns
    -------
    list of (str, str, bool)
        ``(fully qualified class name, alias, is a pipeline)``.
    """
    return [("napari_showermask.step.ShowerMaskStep", "showermask", False)]


class StepFailed(ShowerMaskError, StpipeExitException):
    """Bad input to the step: its one-line reason, and exit status 2 under ``strun``.

    Parameters
    ----------
    message : str
        The reason, naming the file.
    """

    def __init__(self, message: str) -> None:
        StpipeExitException.__init__(self, 2, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ShowerMaskStep(Step):
    """Mask marked cosmic-ray showers in a ramp's ``GROUPDQ`` (or a rate's ``DQ``).

    Each shower ``(integration, group, ellipse)`` gets ``JUMP_DET`` from its first group
    to the end of its integration (``DO_NOT_USE`` too where fewer than two usable groups
    precede it); in rate and rateints products ``DO_NOT_USE | JUMP_DET``. See the module
    docstring for where the catalog comes from.
    """

    class_alias = "showermask"

    spec = """
        showers = string(default=None)  # shower catalog (ECSV or DS9 .reg); default: the input's sidecar <stem>_showers.ecsv
        detect = boolean(default=False)  # with no catalog, detect showers and mask them
        detect_params = string_list(default=list())  # NAME=VALUE changes of the detection parameters (DetectionParams)
    """  # noqa: E501

    def run(self, *args: Any) -> Any:
        """Run the step; bad input is one ERROR line and `StepFailed`, never a traceback.

        Parameters
        ----------
        *args
            As `stpipe.Step.run`.

        Returns
        -------
        stdatamodels.jwst.datamodels.JwstDataModel
        """
        self._inputs: list[Path] = []
        try:
            return super().run(*args)
        except StepFailed:
            raise
        except ShowerMaskError as exc:
            self.log.error("%s", exc)
            raise StepFailed(str(exc)) from None

    def save_model(
        self,
        model: Any,
        suffix: str | None = None,
        idx: Any = None,
        output_file: str | None = None,
        force: bool = False,
        **components: Any,
    ) -> Any:
        """Publish the output like ``showermask apply``: atomic, never onto an input.

        Parameters
        ----------
        model, suffix, idx, output_file, force, **components
            As `stpipe.Step.save_model`.

        Returns
        -------
        str or None
            The path written, or None when nothing is to be saved.
        """
        if not isinstance(model, _MODELS):
            return super().save_model(model, suffix, idx, output_file, force, **components)
        output_file = output_file or self.output_file
        if not force and not self.save_results and not output_file:
            return None
        if self.output_use_model or (output_file is None and not self.search_output_file):
            output_file, idx = model.meta.filename, None
        path = self.make_output_path(basepath=output_file, suffix=suffix, idx=idx, **components)
        publish_model(model, path, getattr(self, "_inputs", []), overwrite=True)
        self.log.info("Saved model in %s", path)
        return path

    def process(self, step_input: Any) -> datamodels.JwstDataModel:
        """Mask the showers of the catalog in a copy of the input.

        Parameters
        ----------
        step_input : str, path-like or RampModel, CubeModel, ImageModel
            A ramp (``_jump``, ``_ramp``), rateints or rate product.

        Returns
        -------
        stdatamodels.jwst.datamodels.JwstDataModel
            The masked model, ``meta.cal_step.showermask`` set.
        """
        source = Path(step_input) if isinstance(step_input, str | os.PathLike) else None
        if source is not None:
            with open_product(source):  # a missing or damaged file: one line, named
                pass
        result = self.prepare_output(str(source) if source else step_input)
        if not isinstance(result, _MODELS):
            name = source or type(result).__name__
            raise ShowerMaskError(f"{name}: is not a ramp, rateints or rate model")
        kind = KIND_BY_MODEL[type(result).__name__]
        catalog = self._catalog(result, source)
        self._inputs = [p for p in (source, catalog) if p is not None]
        if catalog is not None:
            showers = read_catalog(catalog, kind=kind)
            self.log.info("Masking %d shower(s) from %s", len(showers), catalog)
            origin = str(catalog)
        elif self.detect and kind == "ramp":
            showers = _detect(result, source, DetectionParams().updated(self.detect_params))
            self.log.info("Detected %d shower(s); masking them", len(showers))
            origin = "detection"
        else:
            why = "detect is off" if kind == "ramp" else f"detection needs a ramp ({kind})"
            self.log.warning("No shower catalog for %s (%s): step skipped", _name(result), why)
            result.meta.cal_step.showermask = "SKIPPED"
            return result
        dq = result.groupdq if kind == "ramp" else result.dq
        check_showers(showers, kind, result.data.shape, origin)
        dropped = mask_array(dq, showers, kind)
        self.log.info("%d (integration, pixel) pair(s) also got DO_NOT_USE", dropped)
        software = {"name": "napari-showermask", "version": __version__}
        named = origin if origin == "detection" else Path(origin).name
        for line in history_lines(showers, kind, named):
            result.add_history_entry(line, software=software)
        result.meta.cal_step.showermask = "COMPLETE"
        return result

    def default_suffix(self) -> str:
        """Return the output file suffix: ``x_jump.fits`` gives ``x_showermask.fits``."""
        return "showermask"

    def _catalog(self, model: datamodels.JwstDataModel, source: Path | None) -> Path | None:
        """Return the catalog to use, or None when there is none."""
        if self.showers:
            return Path(self.showers)  # read_catalog names it if it is missing
        for path in self._sidecars(model, source):
            if path.is_file():
                return path
        return None

    def _sidecars(self, model: datamodels.JwstDataModel, source: Path | None) -> list[Path]:
        """Sidecar catalogs to look for, first found wins (see the module docstring)."""
        if source is not None:
            return [sidecar_path(source)]
        name = model.meta.filename
        if not name:
            return []
        product = Path(self.input_dir or ".") / Path(name).name
        root, separator = remove_suffix(stem(product))
        jump = product.with_name(f"{root}{separator or '_'}jump.fits")
        return list(dict.fromkeys([sidecar_path(product), sidecar_path(jump)]))


def _name(model: datamodels.JwstDataModel) -> str:
    return str(model.meta.filename or type(model).__name__)


def _detect(
    model: datamodels.RampModel, source: Path | None, params: DetectionParams
) -> list[Shower]:
    """Detect showers in a ramp: in its file, or in a temporary copy of an in-memory model."""
    from napari_showermask.pipeline.task import find_showers

    if source is not None:
        return find_showers(source, params=params)
    with tempfile.TemporaryDirectory(prefix="showermask-") as directory:
        path = Path(directory) / "detect_jump.fits"
        model.save(path)
        return find_showers(path, params=params)
