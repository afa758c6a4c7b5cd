"""DS9 region files as shower catalogs: strict reading and lossless writing, with `regions`.

A shower is an ``ellipse`` (or ``circle``) region in ``image`` coordinates (1-based, as DS9
writes them; `regions` converts) with ``tag={integration=N} tag={group=N}``; other tags
become extra catalog columns. Files as DS9 saves them are read: comment lines, the
``global`` line, and ``image`` or ``physical`` coordinates (the same for JWST products,
which have no physical-to-image transform). Anything else on a line (a typo such as
``elipse``, an exclusion region ``-ellipse``, another shape, sky coordinates) is an error
naming the line: a region is never skipped silently.

Extra values are written as JSON (``note="007"``, ``score=0.9``; braces and ``;``
escaped), so text, numbers and booleans come back as they were.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.shower import COLUMNS, Shower

__all__ = ["ds9_text", "read_ds9"]

_SHAPE = re.compile(r"^([+-]?)\s*([A-Za-z]\w*)\s*\(")
# what DS9 writes as a commented-out region ("# text(...)", "# composite(...)")
_DS9_SHAPES = {"circle", "ellipse", "box", "polygon", "point", "line", "vector", "text"}
_DS9_SHAPES |= {"ruler", "compass", "projection", "annulus", "panda", "epanda", "bpanda"}
_DS9_SHAPES |= {"composite", "segment", "x", "cross", "diamond", "arrow", "boxcircle"}
_TAG = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$")
_PIXEL_SYSTEMS = {"image", "physical"}
_OTHER_SYSTEMS = {"fk4", "fk5", "icrs", "galactic", "ecliptic", "j2000", "b1950", "linear"}
_OTHER_SYSTEMS |= {"amplifier", "detector", "wcs"} | {
    f"wcs{c}" for c in "abcdefghijklmnopqrstuvwxyz"
}
_TAGS_NEEDED = {"ramp": ("integration", "group"), "rateints": ("integration",), "rate": ()}


def read_ds9(path: str | Path, kind: str | None = None) -> list[Shower]:
    """Read the showers of a DS9 region file.

    Parameters
    ----------
    path : str or path-like
    kind : {'ramp', 'rateints', 'rate'}, optional
        The product the regions are for: rate products need no tags, rateints need
        ``integration``, ramps (the default) both ``integration`` and ``group``. Tags a
        kind does not use default to 0.

    Returns
    -------
    list of Shower

    Raises
    ------
    ShowerMaskError
        Naming the file and line: unreadable text, a line that is not a region, an
        exclusion region, a shape other than ellipse or circle, sky coordinates, a
        missing tag, or an invalid shower.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not a line
    except (OSError, UnicodeDecodeError) as exc:
        raise ShowerMaskError(f"{path}: not a readable DS9 region file ({exc})") from None
    needed = _TAGS_NEEDED.get(kind or "ramp", _TAGS_NEEDED["ramp"])
    showers, settings = [], ""
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path}: line {number}"
        for part in _split(line):
            if part.lower().startswith("global"):
                settings = part  # defaults (tags, include) for the regions that follow
                continue
            region = _region(part, settings, where)
            if region is not None:
                showers.append(_shower(region, needed, kind or "ramp", where))
    return showers


def _split(line: str) -> list[str]:
    """Split a line at ``;`` outside braces, quotes and parentheses; drop a trailing comment."""
    parts, depth, quote, start, escaped = [], 0, "", 0, False
    for n, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == ";" and depth == 0:
            parts.append(line[start:n])
            start = n + 1
    parts.append(line[start:])
    return [p.strip() for p in parts if p.strip()]


def _region(part: str, settings: str, where: str) -> Any | None:
    """Parse one region statement; None for comments and pixel coordinate systems."""
    word = part.split("(")[0].split()[0].lower() if part.split() else ""
    if part.startswith("#"):
        commented = _SHAPE.match(part[1:].strip())
        if commented is None or commented.group(2).lower() not in _DS9_SHAPES:
            return None  # a comment, also one like "# reviewed (JM)"
        raise ShowerMaskError(
            f"{where}: {commented.group(2)} region (saved by DS9 as a comment) is not a "
            "shower; only ellipse and circle regions are"
        )
    if word in _PIXEL_SYSTEMS:
        return None
    if word in _OTHER_SYSTEMS:
        raise ShowerMaskError(
            f"{where}: {word} coordinates are not supported; save the regions in image coordinates"
        )
    match = _SHAPE.match(part)
    if match is None:
        raise ShowerMaskError(f"{where}: not a region: {part!r}")
    sign, shape = match.groups()
    if sign == "-":
        raise ShowerMaskError(
            f"{where}: exclusion region ({part.split('(')[0]}) cannot be a shower"
        )
    if shape.lower() not in ("ellipse", "circle"):
        raise ShowerMaskError(
            f"{where}: {shape} is not a shower shape (only ellipse and circle): {part!r}"
        )
    from regions import CirclePixelRegion, EllipsePixelRegion, Regions

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = Regions.parse(f"{settings}\nimage\n{part[len(sign) :]}", format="ds9")
        except Exception as exc:  # regions raises its own parser errors
            raise ShowerMaskError(f"{where}: cannot read region {part!r} ({exc})") from None
    if caught or len(found) != 1:
        reason = str(caught[0].message).splitlines()[0] if caught else "no region found"
        raise ShowerMaskError(f"{where}: cannot read region {part!r} ({reason})")
    region = found[0]
    if not isinstance(region, EllipsePixelRegion | CirclePixelRegion):
        name = type(region).__name__.replace("PixelRegion", "").replace("Region", "")
        raise ShowerMaskError(f"{where}: {name} is not a shower shape (only ellipse and circle)")
    return region


def _shower(region: Any, needed: Sequence[str], kind: str, where: str) -> Shower:
    from astropy import units as u
    from regions import EllipsePixelRegion

    if isinstance(region, EllipsePixelRegion):
        a, b, theta = region.width / 2, region.height / 2, region.angle.to_value(u.deg)
    else:
        a = b = region.radius
        theta = 0.0
    fields: dict[str, Any] = {}
    for tag in region.meta.get("tag", []):
        match = _TAG.match(str(tag))
        if match:
            name, value = match.group(1), decode_value(match.group(2))
            if name in fields:
                raise ShowerMaskError(
                    f"{where}: region has two values for tag {name} "
                    f"({fields[name]!r} and {value!r}); give one"
                )
            fields[name] = value
    for name in needed:
        if name not in fields:
            raise ShowerMaskError(
                f"{where}: region has no tag={{{name}=N}} (a {kind} product needs "
                + " and ".join(f"tag={{{n}=N}}" for n in needed)
                + ")"
            )
    extra = {k: v for k, v in fields.items() if k not in COLUMNS}
    try:
        return Shower(
            fields.get("integration", 0),
            fields.get("group", 0),
            region.center.x,
            region.center.y,
            a,
            b,
            theta,
            extra=extra,
        )
    except (ValueError, TypeError) as exc:
        raise ShowerMaskError(f"{where}: {exc}") from None


def encode_value(value: Any) -> str:
    """Write an extra column's value for a DS9 tag: JSON, with braces escaped.

    Parameters
    ----------
    value : Any
        A number, text or boolean (numpy scalars included).

    Returns
    -------
    str
    """
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        text = json.dumps(value)  # NaN, Infinity: read back by json as well
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except TypeError:
            text = json.dumps(str(value), ensure_ascii=False)
    for char, escape in (("{", "\\u007b"), ("}", "\\u007d"), (";", "\\u003b")):
        text = text.replace(char, escape)
    return text


def decode_value(text: str) -> Any:
    """Read a tag value written by `encode_value`, or typed by hand (``7``, ``a note``).

    Parameters
    ----------
    text : str

    Returns
    -------
    Any
    """
    try:
        return json.loads(text)
    except ValueError:
        return text


def ds9_text(showers: Sequence[Shower]) -> str:
    """Return the DS9 region file text (image coordinates) of some showers.

    Parameters
    ----------
    showers : sequence of Shower

    Returns
    -------
    str
    """
    from astropy import units as u
    from regions import EllipsePixelRegion, PixCoord, RegionMeta, Regions

    regions = []
    for shower in showers:
        tags = [f"integration={shower.integration}", f"group={shower.group}"]
        tags += [f"{k}={encode_value(v)}" for k, v in shower.extra.items()]
        meta = RegionMeta({"text": f"int {shower.integration} grp {shower.group}", "tag": tags})
        regions.append(
            EllipsePixelRegion(
                PixCoord(shower.x, shower.y),
                width=2 * shower.semi_major,
                height=2 * shower.semi_minor,
                angle=shower.theta * u.deg,
                meta=meta,
            )
        )
    return str(Regions(regions).serialize(format="ds9"))
