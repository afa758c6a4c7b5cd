import gzip
import shutil
import tracemalloc

import dask.array as da
import numpy as np
import pytest
from astropy.io import fits
from support.files import write_product

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import open_product, product_kind, stem


def test_ramp_difference_frames(ramp_file):
    with fits.open(ramp_file) as hdul:
        sci = hdul["SCI"].data.astype(np.float32)
        groupdq = hdul["GROUPDQ"].data.copy()
    with open_product(ramp_file) as product:
        assert (product.kind, product.nints, product.ngroups) == ("ramp", 2, 8)
        assert product.image_shape == (16, 20)
        assert np.array_equal(product.difference((1, 0)), sci[1, 0])
        assert np.array_equal(product.difference((1, 5)), sci[1, 5] - sci[1, 4])
        frames = product.differences
        assert frames.shape == sci.shape and frames.dtype == np.float32
        assert np.array_equal(frames[0, 3, 2:5, -4:], (sci[0, 3] - sci[0, 2])[2:5, -4:])
        assert np.array_equal(frames[1, :3], np.stack([sci[1, 0], *np.diff(sci[1, :3], axis=0)]))
        assert np.array_equal(product.dq[...], groupdq)
        assert product.dq.dtype == np.uint8


@pytest.mark.parametrize("kind", ["rate", "rateints"])
def test_rate_products_show_sci_and_unsigned_dq(kind, request):
    path = request.getfixturevalue(f"{kind}_file")
    with fits.open(path) as hdul:
        sci, dq = hdul["SCI"].data, hdul["DQ"].data
    with open_product(path) as product:
        assert product.kind == kind and product_kind(path) == kind
        assert np.array_equal(product.differences[...], sci)
        assert product.dq.dtype == np.uint32
        assert np.array_equal(product.dq[...], dq)


def test_gzip_and_stems(ramp_file, tmp_path):
    packed = tmp_path / "x_jump.fits.gz"
    with open(ramp_file, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with open_product(packed) as product, open_product(ramp_file) as plain:
        assert np.array_equal(product.difference((0, 4)), plain.difference((0, 4)))
    assert product_kind(packed) == "ramp"
    assert stem(packed) == "x_jump" and stem("a/b_rate.fits") == "b_rate"


def test_one_frame_reads_two_planes_not_the_cube(tmp_path):
    path = write_product(tmp_path / "big_jump.fits", "ramp", (2, 40, 256, 256))
    plane = 256 * 256 * 4
    with open_product(path) as product:
        tracemalloc.start()
        product.difference((1, 20))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 6 * plane  # the cube is 80 planes


def test_dask_wraps_without_reading(ramp_file):
    with open_product(ramp_file) as product:
        lazy = da.from_array(product.differences, chunks=(1, 1, 16, 20))
        assert lazy.shape == (2, 8, 16, 20)
        assert np.array_equal(lazy[1, 3].compute(), product.difference((1, 3)))


def test_kind_sniffing_never_raises(tmp_path):
    (tmp_path / "text.fits").write_text("not fits")
    fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4)))]).writeto(tmp_path / "plain.fits")
    assert product_kind(tmp_path / "text.fits") is None
    assert product_kind(tmp_path / "plain.fits") is None
    assert product_kind(tmp_path / "missing.fits") is None


def test_dq_shape_mismatch_is_refused(tmp_path):
    hdus = [
        fits.PrimaryHDU(header=fits.Header({"DATAMODL": "RampModel"})),
        fits.ImageHDU(np.zeros((1, 3, 4, 4), "f4"), name="SCI"),
        fits.ImageHDU(np.zeros((1, 2, 4, 4), "u1"), name="GROUPDQ"),
    ]
    fits.HDUList(hdus).writeto(tmp_path / "odd.fits")
    with pytest.raises(ShowerMaskError, match="GROUPDQ shape"):
        open_product(tmp_path / "odd.fits")
