"""The DQ vocabulary and per-kind facts: flag values, product kinds and their DQ planes.

Flags are bits: they are only ever OR-ed in (see `napari_showermask.core.masking`). Values
come from `stdatamodels.jwst.datamodels.dqflags`, never written by hand.
"""

from __future__ import annotations

from typing import Literal

from stdatamodels.jwst.datamodels import dqflags

__all__ = [
    "DQ_EXTENSION",
    "KIND_BY_MODEL",
    "ProductKind",
    "DO_NOT_USE",
    "JUMP_DET",
    "PERSISTENCE",
    "PIXEL_DO_NOT_USE",
    "RATE_FLAGS",
    "REFERENCE_PIXEL",
    "SATURATED",
    "UNUSABLE",
    "dq_extname",
    "group_count",
    "integration_count",
    "mask_flag_names",
]

ProductKind = Literal["ramp", "rateints", "rate"]

_KIND_BY_NDIM: dict[int, ProductKind] = {4: "ramp", 3: "rateints", 2: "rate"}
#: Product kind of each stdatamodels data model this package masks.
KIND_BY_MODEL: dict[str, ProductKind] = {
    "RampModel": "ramp",
    "CubeModel": "rateints",
    "ImageModel": "rate",
    "IFUImageModel": "rate",
}
#: The DQ extension of each kind.
DQ_EXTENSION: dict[ProductKind, str] = {"ramp": "GROUPDQ", "rateints": "DQ", "rate": "DQ"}

#: GROUPDQ flags (uint8 plane of ramps).
DO_NOT_USE: int = dqflags.group["DO_NOT_USE"]
SATURATED: int = dqflags.group["SATURATED"]
JUMP_DET: int = dqflags.group["JUMP_DET"]
PERSISTENCE: int = dqflags.group["PERSISTENCE"]
#: A group that ramp fitting does not use.
UNUSABLE: int = DO_NOT_USE | SATURATED

#: DQ / PIXELDQ flags (uint32 planes).
PIXEL_DO_NOT_USE: int = dqflags.pixel["DO_NOT_USE"]
REFERENCE_PIXEL: int = dqflags.pixel["REFERENCE_PIXEL"]
#: What a shower ORs into a rate or rateints DQ plane.
RATE_FLAGS: int = dqflags.pixel["DO_NOT_USE"] | dqflags.pixel["JUMP_DET"]


def dq_extname(kind: str) -> str:
    """Return the EXTNAME of the DQ plane that masking changes for a product kind.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}

    Returns
    -------
    str
        ``'GROUPDQ'`` for ramps, ``'DQ'`` otherwise.
    """
    return DQ_EXTENSION[kind]  # type: ignore[index]


def mask_flag_names(kind: str) -> str:
    """Return the flags a shower ORs in for a product kind, as written in HISTORY cards.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}

    Returns
    -------
    str
        ``'JUMP_DET'`` for ramps (DO_NOT_USE too where too few usable groups precede the
        shower), ``'DO_NOT_USE|JUMP_DET'`` otherwise.
    """
    return "JUMP_DET" if kind == "ramp" else "DO_NOT_USE|JUMP_DET"


def integration_count(kind: str, shape: tuple[int, ...]) -> int:
    """Return a product's number of integrations from its kind and ``SCI`` shape.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        The shape of ``SCI``.

    Returns
    -------
    int
        ``shape[0]``; 1 for rate products.
    """
    return shape[0] if kind != "rate" else 1


def group_count(kind: str, shape: tuple[int, ...]) -> int:
    """Return a product's number of groups per integration from its kind and ``SCI`` shape.

    Parameters
    ----------
    kind : {'ramp', 'rateints', 'rate'}
    shape : tuple of int
        The shape of ``SCI``.

    Returns
    -------
    int
        ``shape[1]`` for ramps; 1 for rate and rateints products.
    """
    return shape[1] if kind == "ramp" else 1
