"""A literal, slow transcription of the masking rules, to check the real code against."""

import numpy as np
from astropy.modeling.models import Ellipse2D
from stdatamodels.jwst.datamodels import dqflags

JUMP = dqflags.group["JUMP_DET"]
DNU = dqflags.group["DO_NOT_USE"]
SAT = dqflags.group["SATURATED"]


def inside_image(shower, shape):
    """The pixel-centre set, from astropy's Ellipse2D (see `napari_showermask.core.geometry`)."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    s = shower
    model = Ellipse2D(1, s.x, s.y, s.semi_major, s.semi_minor, np.deg2rad(s.theta))
    return model(xx, yy).astype(bool)


def reference_mask(dq, showers):
    """Return a masked copy of ``dq`` following CONTRACT.md word by word."""
    out = dq.copy()
    ny, nx = dq.shape[-2:]
    for s in showers:
        inside = inside_image(s, (ny, nx))
        for y in range(ny):
            for x in range(nx):
                if not inside[y, x]:
                    continue
                if dq.ndim == 2:
                    out[y, x] |= dqflags.pixel["DO_NOT_USE"] | dqflags.pixel["JUMP_DET"]
                elif dq.ndim == 3:
                    out[s.integration, y, x] |= DNU | JUMP
                else:
                    i, g = s.integration, s.group
                    out[i, g:, y, x] |= JUMP
                    usable = sum(1 for k in range(g) if not dq[i, k, y, x] & (DNU | SAT))
                    if usable < 2:
                        out[i, g:, y, x] |= DNU
    return out


def changed_bits_are_only_set(before, after):
    """True when every bit set in ``before`` is still set in ``after``."""
    return bool(np.all((before & after) == before))
