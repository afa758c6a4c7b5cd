"""napari sample data: the synthetic MIRI ramp with showers that `showermask demo` writes."""

from __future__ import annotations

import tempfile

from napari_showermask._reader import read_product
from napari_showermask.synthetic.demo import write_demo


def synthetic_miri_showers() -> list[tuple]:
    """Write the demo ramp into a temporary directory and return its layers.

    Returns
    -------
    list of tuple
        The reader's layers of ``miri_showers_demo_jump.fits`` (2 x 30 x 256 x 256).
    """
    return read_product(str(write_demo(tempfile.mkdtemp(prefix="showermask_demo_"))))
