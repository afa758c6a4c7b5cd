"""A literal, slow transcription of the masking rules, to check the real code against."""

import math

import numpy as np
from stdatamodels.jwst.datamodels import dqflags

JUMP = dqflags.group["JUMP_DET"]
DNU = dqflags.group["DO_NOT_USE"]
SAT = dqflags.group["SATURATED"]


def inside(shower, x, y):
    t = math.radians(shower.theta)
    dx, dy = x - shower.x, y - shower.y
    along = (dx * math.cos(t) + dy * math.sin(t)) / shower.semi_major
    across = (-dx * math.sin(t) + dy * math.cos(t)) / shower.semi_minor
    return along**2 + across**2 <= 1 + 1e-12


def reference_mask(dq, showers):
    """Return a masked copy of ``dq`` following CONTRACT.md word by word."""
    out = dq.copy()
    ny, nx = dq.shape[-2:]
    for s in showers:
        for y in range(ny):
            for x in range(nx):
                if not inside(s, x, y):
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
