"""Boxes of SCI and GROUPDQ read band by band equal astropy's arrays, and are the caller's."""

import numpy as np
import pytest
from astropy.io import fits

from napari_showermask.core.boxes import BandReader
from napari_showermask.core.products import open_product
from napari_showermask.synthetic.demo import write_ramp


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    path, _ = write_ramp(tmp_path_factory.mktemp("boxes") / "b_jump.fits", (2, 6, 20, 24), seed=2)
    return path


@pytest.mark.parametrize("extname", ["SCI", "GROUPDQ"])
@pytest.mark.parametrize(
    "key",
    [
        (1, slice(0, 6), slice(0, 20), slice(0, 24)),  # whole rows: read in place
        (0, slice(2, 5), slice(3, 9), slice(0, 24)),
        (1, slice(0, 4), slice(5, 12), slice(7, 19)),  # a box: columns cut from bands
    ],
)
def test_boxes_equal_astropy_in_native_order(ramp, extname, key):
    with fits.open(ramp) as hdul:
        expected = hdul[extname].data[key]
    with open_product(ramp) as product:
        reader = BandReader(product)
        assert extname in reader.layout  # read here, not through astropy
        box = reader.read(extname, key)
        again = reader.read(extname, key)
    assert box.dtype.isnative and box.dtype == expected.dtype.newbyteorder("=")
    np.testing.assert_array_equal(box, expected)
    box[...] = 0  # the caller's own array: the next read is untouched
    np.testing.assert_array_equal(again, expected)
