"""Keep napari's canvas alive when layers are removed: GL programs are freed a step later.

With vispy 0.14-0.17 under Mesa (llvmpipe, softpipe, and the drivers of Linux laptops that
share its state tracker), removing the layers drawn below the last one and then resizing the
canvas or adding any layer crashes the whole process in ``glDrawArrays``. Plain napari
does it with two image layers::

    viewer.add_image(a); viewer.add_image(b)
    viewer.layers.remove(viewer.layers[0])
    viewer.add_image(c)  # segmentation fault

The crash needs the removed layer's GL program to have been freed at once
(``glDeleteProgram``); keeping the program until vispy next creates one avoids it
(measured: seeded random add/remove/resize sequences crash plain napari within 3-52
actions and survive 300 with this in place). So `install` makes vispy free a program when
the same GL context next creates a program, never at the moment its visual goes away. At
most the programs removed since the last layer was added stay allocated (a few, small).
Related reports: vispy/vispy#1611, napari/napari#6472 and #8471.
"""

from __future__ import annotations

import weakref
from typing import Any

_PENDING: weakref.WeakKeyDictionary[Any, list[int]] = weakref.WeakKeyDictionary()
_MARK = "_showermask_deferred_delete"


def install() -> bool:
    """Make vispy free GL programs when the next program is created (idempotent).

    Returns
    -------
    bool
        True when vispy's program object is in place (installed now or before); False when
        this vispy has no such object, in which case nothing is changed.
    """
    try:
        from vispy.gloo import gl, glir
    except ImportError:  # pragma: no cover - napari always has vispy
        return False
    program = getattr(glir, "GlirProgram", None)
    if program is None or not all(hasattr(program, name) for name in ("create", "delete")):
        return False
    if getattr(program.delete, _MARK, False):
        return True
    create, delete_now = program.create, program.delete

    def deferred_create(self: Any) -> None:
        pending = _PENDING.get(self._parser)
        while pending:
            gl.glDeleteProgram(pending.pop())  # this context is current while parsing
        create(self)

    def deferred_delete(self: Any) -> None:
        try:
            _PENDING.setdefault(self._parser, []).append(self._handle)
        except TypeError:  # a parser that cannot be weakly referenced: free it now
            delete_now(self)

    setattr(deferred_delete, _MARK, True)
    program.create, program.delete = deferred_create, deferred_delete
    return True


def pending_programs(parser: Any = None) -> int:
    """Return how many GL programs wait to be freed.

    Parameters
    ----------
    parser : vispy.gloo.glir.GlirParser, optional
        One GL context's parser (``canvas.context.shared.parser``); None: all contexts.

    Returns
    -------
    int
    """
    if parser is not None:
        return len(_PENDING.get(parser, ()))
    return sum(len(handles) for handles in _PENDING.values())
