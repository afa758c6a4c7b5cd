"""The HISTORY text that records which showers were masked, for files and data models."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from napari_showermask import __version__
from napari_showermask.core.dq import dq_extname, mask_flag_names
from napari_showermask.core.shower import Shower

__all__ = ["history_lines"]

WIDTH = 70  #: characters a HISTORY card keeps


def history_lines(
    showers: Sequence[Shower], kind: str, origin: str | None = None, indent: str = "  "
) -> list[str]:
    """Return the HISTORY lines (at most 70 characters each) for the showers applied.

    Parameters
    ----------
    showers : sequence of Shower
    kind : {'ramp', 'rateints', 'rate'}
    origin : str, optional
        Where the showers came from (a catalog name or ``'detection'``), written as a
        ``from ...`` line when given.
    indent : str
        Prefix of the continuation of a line longer than a card.

    Returns
    -------
    list of str
    """
    lines = [
        f"napari-showermask {__version__}: {len(showers)} shower(s) masked, "
        f"{mask_flag_names(kind)} OR-ed into {dq_extname(kind)}"
    ]
    if origin is not None:
        lines.append(f"from {origin}")
    if kind == "ramp":
        lines.append(
            "from each shower's first group to the end of its integration; "
            "DO_NOT_USE too where < 2 usable groups precede it"
        )
    for s in showers:
        lines.append(
            f"shower int={s.integration} grp={s.group} x={s.x:.2f} y={s.y:.2f} "
            f"a={s.semi_major:.2f} b={s.semi_minor:.2f} theta={s.theta:.1f}"
        )
    return [
        piece for line in lines for piece in textwrap.wrap(line, WIDTH, subsequent_indent=indent)
    ]
