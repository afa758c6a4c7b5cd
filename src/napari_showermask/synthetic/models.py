"""The metadata and offline reference models (gain, read noise) a synthetic MIRI ramp needs."""

from __future__ import annotations

import math

import numpy as np
from stdatamodels.jwst import datamodels

__all__ = ["GAIN", "GROUP_TIME", "READ_NOISE", "describe", "reference_models"]

GROUP_TIME = 2.775  # s, MIRI FULL array, FASTR1
GAIN = 3.1  # e-/DN
READ_NOISE = 10.0  # DN per group read


def describe(model: datamodels.JwstDataModel, shape: tuple[int, ...]) -> None:
    """Fill the metadata jwst's jump and ramp-fitting steps need, MIRI imager style.

    Parameters
    ----------
    model : stdatamodels.jwst.datamodels.JwstDataModel
        A ramp, or a reference model of the same detector area.
    shape : tuple of int
        The science data's shape (4-D for a ramp, ``(ny, nx)`` for a reference model).
    """
    ny, nx = shape[-2:]
    meta = model.meta
    meta.instrument.name = "MIRI"
    meta.instrument.detector = "MIRIMAGE"
    square = ny == nx and ny in (64, 128, 256)
    meta.subarray.name = (
        "FULL" if (ny, nx) == (1024, 1032) else f"SUB{ny}" if square else "GENERIC"
    )
    meta.subarray.xstart, meta.subarray.ystart = 1, 1
    meta.subarray.xsize, meta.subarray.ysize = nx, ny
    meta.subarray.fastaxis, meta.subarray.slowaxis = 1, 2
    if len(shape) == 4:
        meta.instrument.filter = "F770W"
        meta.observation.date = "2026-01-01"
        meta.observation.time = "00:00:00"
        exposure = meta.exposure
        exposure.type = "MIR_IMAGE"
        exposure.readpatt = "FASTR1"
        exposure.nints, exposure.ngroups = shape[0], shape[1]
        exposure.nframes, exposure.groupgap = 1, 0
        exposure.frame_time = exposure.group_time = GROUP_TIME
        exposure.integration_time = GROUP_TIME * (shape[1] - 1)
        exposure.start_time = 60000.0
        model.meta.cal_step.jump = "COMPLETE"


def reference_models(
    shape_yx: tuple[int, int], gain: float = GAIN, readnoise: float = READ_NOISE
) -> tuple[datamodels.GainModel, datamodels.ReadnoiseModel]:
    """Gain and read-noise models to pass as ``override_gain``, ``override_readnoise``.

    With them, jwst's ``JumpStep`` and ``RampFitStep`` run offline (no CRDS lookup).
    Make fresh ones for every run: ``RampFitStep`` scales the read-noise array in place.

    Parameters
    ----------
    shape_yx : tuple of int
        ``(ny, nx)`` of the science data.
    gain : float
        e-/DN.
    readnoise : float
        DN per single read, as in `make_ramp`. jwst's read-noise reference holds the noise
        of a difference of two reads (stcal divides it by sqrt(2)), so the model stores
        ``sqrt(2) * readnoise``.

    Returns
    -------
    (GainModel, ReadnoiseModel)
    """
    cds = math.sqrt(2.0) * readnoise
    models = (
        datamodels.GainModel(data=np.full(shape_yx, gain, np.float32)),
        datamodels.ReadnoiseModel(data=np.full(shape_yx, cds, np.float32)),
    )
    for model in models:
        describe(model, shape_yx)
    return models
