"""Small real JWST products written through stdatamodels, file digests, portable-mode switches."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from support.portable.sitecustomize import LINUX_ONLY_CALLS, take_linux_calls_away

__all__ = [
    "DNU",
    "JUMP",
    "LINUX_ONLY_CALLS",
    "PORTABLE_ONLY",
    "SAT",
    "catalog_content",
    "file_digest",
    "write_product",
]

# SHOWERMASK_PORTABLE_ONLY=1 runs the tests as on a system without Linux's file calls
# (macOS, Windows): the writer must then take its portable path, byte for byte the same.
# The Python processes the tests start run so too (they find the portable sitecustomize).
PORTABLE_ONLY = bool(os.environ.get("SHOWERMASK_PORTABLE_ONLY"))
PORTABLE_SITE = Path(__file__).with_name("portable")
if PORTABLE_ONLY:
    take_linux_calls_away()
    _path = [str(PORTABLE_SITE), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(_path)

DNU = dqflags.group["DO_NOT_USE"]
SAT = dqflags.group["SATURATED"]
JUMP = dqflags.group["JUMP_DET"]


def file_digest(path: Path) -> str:
    """SHA-256 of a file, to show it was not modified."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_product(path: Path, kind: str, shape: tuple[int, ...], seed: int = 1) -> Path:
    """Write a ramp, rateints or rate product with random SCI and realistic DQ bits."""
    rng = np.random.default_rng(seed)
    sci = rng.normal(100, 5, shape).astype(np.float32)
    if kind == "ramp":
        sci = np.cumsum(sci, axis=1, dtype=np.float32)
        groupdq = np.zeros(shape, np.uint8)
        groupdq[:, 0] |= DNU
        groupdq[:, -1] |= DNU
        groupdq[:, 3:, 5, 6] |= SAT  # saturates from group 3
        groupdq[0, 2, 7, 7] |= JUMP  # an ordinary cosmic ray
        pixeldq = np.zeros(shape[-2:], np.uint32)
        pixeldq[:, 0] |= dqflags.pixel["REFERENCE_PIXEL"] | DNU
        model = datamodels.RampModel(data=sci, groupdq=groupdq, pixeldq=pixeldq)
        model.meta.exposure.ngroups = shape[1]
        model.meta.exposure.nints = shape[0]
    else:
        dq = np.zeros(shape, np.uint32)
        dq[..., 0] |= dqflags.pixel["REFERENCE_PIXEL"] | dqflags.pixel["DO_NOT_USE"]
        dq[..., 3, 3] |= dqflags.pixel["SATURATED"]
        cls = datamodels.CubeModel if kind == "rateints" else datamodels.ImageModel
        model = cls(data=sci, dq=dq, err=np.ones(shape, np.float32))
    model.meta.instrument.name = "MIRI"
    model.meta.instrument.detector = "MIRIMAGE"
    model.meta.exposure.type = "MIR_IMAGE"
    model.save(path)
    model.close()
    return Path(path)


def catalog_content(path: Path) -> tuple[list[str], dict]:
    """A catalog file's rows (as text) and metadata, without the date it was written."""
    from astropy.table import Table

    table = Table.read(path, format="ascii.ecsv")
    meta = {k: v for k, v in table.meta.items() if k != "date"}
    return table.pformat_all(), meta
