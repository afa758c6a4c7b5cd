"""Ellipse geometry: which pixels a shower covers, and napari's corner form of an ellipse.

Conventions: 0-based pixel coordinates, pixel (x, y) is the centre of ``array[..., y, x]``;
an ellipse is ``(x, y, a, b, theta)`` with semi-axes ``a``, ``b`` in pixels and ``theta`` in
degrees counter-clockwise from +x with the image shown origin lower-left (as DS9 shows it).
A pixel is inside when, at its centre,
``((dx cos t + dy sin t) / a)**2 + ((-dx sin t + dy cos t) / b)**2 <= 1``: the set of
`astropy.modeling.models.Ellipse2D`. `regions` ``to_mask(mode='center')`` gives the same set
except for pixel centres lying exactly on the rim, which it leaves out.
"""

from __future__ import annotations

import math

import numpy as np

from napari_showermask.core.shower import Shower

__all__ = [
    "axis_distances",
    "within_axes",
    "corners_to_ellipse",
    "ellipse_bbox",
    "ellipse_mask",
    "ellipse_to_corners",
    "shower_pixels",
]


def ellipse_bbox(
    x: float, y: float, a: float, b: float, theta: float, shape: tuple[int, int]
) -> tuple[slice, slice] | None:
    """Return the ``(rows, columns)`` slices that hold the ellipse, clipped to ``shape``.

    Parameters
    ----------
    x, y, a, b, theta : float
        The ellipse (see the module conventions).
    shape : tuple of int
        ``(ny, nx)`` of the image.

    Returns
    -------
    tuple of slice, or None
        None when the bounding box lies wholly outside the image.
    """
    t = math.radians(theta)
    half_x = math.hypot(a * math.cos(t), b * math.sin(t))
    half_y = math.hypot(a * math.sin(t), b * math.cos(t))
    # one pixel of margin so that rounding never drops a rim pixel; the test decides.
    x0 = max(math.floor(x - half_x) - 1, 0)
    x1 = min(math.ceil(x + half_x) + 2, shape[1])
    y0 = max(math.floor(y - half_y) - 1, 0)
    y1 = min(math.ceil(y + half_y) + 2, shape[0])
    if x0 >= x1 or y0 >= y1:
        return None
    return slice(y0, y1), slice(x0, x1)


def shower_pixels(
    shower: Shower, shape: tuple[int, int]
) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """Return the pixels a shower covers, as a box and a boolean mask inside it.

    Only the ellipse's bounding box is computed, so the cost does not grow with the image.

    Parameters
    ----------
    shower : Shower
    shape : tuple of int
        ``(ny, nx)`` of the image; the ellipse is clipped to it.

    Returns
    -------
    ((rows, columns), mask) or None
        ``mask`` has the shape of ``image[rows, columns]``; None when no pixel centre of the
        image lies inside the ellipse.
    """
    x, y, a, b = shower.x, shower.y, shower.semi_major, shower.semi_minor
    box = ellipse_bbox(x, y, a, b, shower.theta, shape)
    if box is None:
        return None
    rows, cols = box
    dy = np.arange(rows.start, rows.stop, dtype=np.float64)[:, None] - y
    dx = np.arange(cols.start, cols.stop, dtype=np.float64)[None, :] - x
    t = np.deg2rad(shower.theta)
    cost, sint = np.cos(t), np.sin(t)
    # same expression, same order of operations, as astropy's Ellipse2D.evaluate
    along = dx * cost + dy * sint
    across = -(dx * sint) + dy * cost
    mask = (along / a) ** 2 + (across / b) ** 2 <= 1
    if not mask.any():
        return None
    return box, mask


def axis_distances(
    shower: Shower, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return how far pixel centres lie along and across the ellipse's major axis.

    Parameters
    ----------
    shower : Shower
        Its centre and angle.
    rows, cols : numpy.ndarray
        1-D pixel indices (a box of the image).

    Returns
    -------
    (along, across) : (numpy.ndarray, numpy.ndarray)
        ``(len(rows), len(cols))`` absolute distances, pixels: a pixel lies inside the
        ellipse of semi-axes ``a``, ``b`` where ``(along / a)**2 + (across / b)**2 <= 1``.
    """
    t = math.radians(shower.theta)
    dx, dy = cols[None, :] - shower.x, rows[:, None] - shower.y
    along = np.abs(dx * math.cos(t) + dy * math.sin(t))
    across = np.abs(-dx * math.sin(t) + dy * math.cos(t))
    return along, across


def within_axes(along: np.ndarray, across: np.ndarray, a: float, b: float) -> np.ndarray:
    """Return the pixels inside the ellipse of semi-axes ``a``, ``b`` (from `axis_distances`).

    Parameters
    ----------
    along, across : numpy.ndarray
        From `axis_distances`.
    a, b : float
        Semi-axes, pixels.

    Returns
    -------
    numpy.ndarray of bool
    """
    return np.asarray(np.square(along / a) + np.square(across / b) <= 1.0)


def ellipse_mask(shower: Shower, shape: tuple[int, int]) -> np.ndarray:
    """Return a full ``shape`` boolean image of the pixels a shower covers.

    Parameters
    ----------
    shower : Shower
    shape : tuple of int
        ``(ny, nx)``.

    Returns
    -------
    numpy.ndarray of bool
    """
    out = np.zeros(shape, dtype=bool)
    found = shower_pixels(shower, shape)
    if found is not None:
        out[found[0]] = found[1]
    return out


def ellipse_to_corners(x: float, y: float, a: float, b: float, theta: float) -> np.ndarray:
    """Return napari's form of an ellipse: the 4 corners of its rotated bounding box.

    Parameters
    ----------
    x, y, a, b, theta : float
        The ellipse (see the module conventions).

    Returns
    -------
    numpy.ndarray
        ``(4, 2)`` corners in napari data order ``(y, x)``, going round the box.
    """
    t = math.radians(theta)
    major = np.array([a * math.cos(t), a * math.sin(t)])  # (dx, dy)
    minor = np.array([-b * math.sin(t), b * math.cos(t)])
    centre = np.array([x, y])
    xy = [centre - major - minor, centre + major - minor, centre + major + minor]
    xy.append(centre - major + minor)
    return np.array(xy)[:, ::-1].copy()


def corners_to_ellipse(corners: np.ndarray) -> tuple[float, float, float, float, float]:
    """Return ``(x, y, a, b, theta)`` from napari's 4 ellipse corners.

    Parameters
    ----------
    corners : array-like
        ``(4, D)`` corners as napari stores them; the last two columns are ``(y, x)``,
        leading columns (integration, group) are ignored.

    Returns
    -------
    tuple of float
        ``a >= b``; ``theta`` in ``[0, 180)`` degrees, the direction of the semi-major axis.
    """
    yx = np.asarray(corners, dtype=np.float64)[:, -2:]
    xy = yx[:, ::-1]
    x, y = xy.mean(axis=0)
    side1 = xy[1] - xy[0]
    side2 = xy[2] - xy[1]
    len1, len2 = np.hypot(*side1), np.hypot(*side2)
    major, a, b = (side1, len1, len2) if len1 >= len2 else (side2, len2, len1)
    theta = math.degrees(math.atan2(major[1], major[0])) % 180.0
    if math.isclose(theta, 180.0):
        theta = 0.0
    return float(x), float(y), float(a / 2), float(b / 2), float(theta)
