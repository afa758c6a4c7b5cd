"""Bands of rows read straight into the caller's arrays equal astropy's, from any product."""

import gzip
import shutil

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst import datamodels

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.planereader import PlaneReader
from napari_showermask.core.products import open_product
from napari_showermask.synthetic.demo import write_ramp


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    path, _ = write_ramp(tmp_path_factory.mktemp("planes") / "p_jump.fits", (2, 6, 20, 24), seed=3)
    return path


def _read_all(reader: PlaneReader, extname: str, shape) -> np.ndarray:
    out = np.full(shape, 7, reader.dtype(extname))
    for i in range(shape[0]):
        for g in range(shape[1]):
            reader.read(extname, i, g, slice(0, 12), out[i, g, :12])
            reader.read(extname, i, g, slice(12, 20), out[i, g, 12:])
    return out


@pytest.mark.parametrize("extname", ["SCI", "GROUPDQ"])
def test_bands_equal_astropy_in_native_order(ramp, extname):
    with fits.open(ramp) as hdul:
        expected = np.array(hdul[extname].data)
    with open_product(ramp) as product, PlaneReader(product) as reader:
        assert extname in reader.layout  # read here, not through astropy
        got = _read_all(reader, extname, expected.shape)
    assert got.dtype.isnative and got.dtype == expected.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("source", ["gzip", "model"])
def test_gzipped_files_and_models_in_memory_read_through_the_product(ramp, tmp_path, source):
    if source == "gzip":
        packed = tmp_path / "p_jump.fits.gz"
        with open(ramp, "rb") as raw, gzip.open(packed, "wb") as out:
            shutil.copyfileobj(raw, out)
        opened = open_product(packed)
    else:
        opened = open_product(datamodels.RampModel(str(ramp)))
    with fits.open(ramp) as hdul:
        expected = np.array(hdul["SCI"].data)
    with opened as product, PlaneReader(product) as reader:
        assert reader.layout == {}
        got = _read_all(reader, "SCI", expected.shape)
    np.testing.assert_array_equal(got, expected)


def test_a_file_cut_inside_its_data_is_one_line_naming_it(ramp, tmp_path):
    with open_product(ramp) as product:
        offset = product.layout()[1].data_start  # SCI
    cut = tmp_path / "cut_jump.fits"
    cut.write_bytes(ramp.read_bytes())
    with open_product(cut) as product, PlaneReader(product) as reader:
        with open(cut, "r+b") as stream:  # cut after the product was opened
            stream.truncate(offset + 100)
        with pytest.raises(ShowerMaskError, match="cut_jump.fits: the file ends inside its data"):
            reader.read("SCI", 1, 5, slice(0, 20), np.empty((20, 24), np.float32))
