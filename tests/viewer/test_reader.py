import numpy as np
from astropy.io import fits
from npe2 import PluginManager
from stdatamodels.jwst.datamodels import dqflags

from napari_showermask._reader import get_reader, read_or_report, read_product
from napari_showermask._sample_data import synthetic_miri_showers
from napari_showermask._writer import write_showers
from napari_showermask.core.geometry import ellipse_to_corners
from napari_showermask.core.planes import ProductPlanes
from napari_showermask.io.catalog import Shower, read_catalog
from napari_showermask.viewer.dqdisplay import CATEGORY_COLORS, category_names, dq_categories


def test_manifest_is_registered():
    pm = PluginManager.instance()
    pm.discover()
    manifest = pm.get_manifest("napari-showermask")
    assert [w.display_name for w in manifest.contributions.widgets] == ["Shower Masking"]
    assert [s.display_name for s in manifest.contributions.sample_data] == [
        "Synthetic MIRI showers"
    ]
    assert set(manifest.contributions.readers[0].filename_patterns) == {
        "*.fits",
        "*.fit",
        "*.fits.gz",
    }


def test_reader_claims_products_only(ramp_file, rate_file, tmp_path):
    assert get_reader(str(ramp_file)) is read_or_report
    assert get_reader(str(rate_file)) is read_or_report
    fits.HDUList([fits.PrimaryHDU(np.zeros((5, 5)))]).writeto(tmp_path / "image.fits")
    (tmp_path / "junk.fits").write_bytes(b"\x00" * 100)
    for other in ["image.fits", "junk.fits", "absent.fits", "table.csv"]:
        assert get_reader(str(tmp_path / other)) is None  # left to other readers, silently


def test_a_damaged_jwst_product_is_claimed_and_says_why(ramp_file, tmp_path):
    from napari.utils.notifications import notification_manager

    cut = tmp_path / "cut_jump.fits"
    cut.write_bytes(ramp_file.read_bytes()[:-3000])
    junk = tmp_path / "junk_rateints.fits"
    junk.write_bytes(b"\x00" * 100)
    header = fits.Header({"TELESCOP": "JWST"})
    fits.HDUList([fits.PrimaryHDU(np.zeros((5, 5)), header)]).writeto(tmp_path / "s3d.fits")
    for path, reason in [
        (cut, "cut_jump.fits: truncated"),
        (junk, "junk_rateints.fits: "),
        (tmp_path / "s3d.fits", "s3d.fits: "),
    ]:
        reader = get_reader(str(path))
        assert reader is read_or_report, path
        before = len(notification_manager.records)
        assert reader(str(path)) == [(None,)]  # napari's "no layers", not an exception
        (record,) = notification_manager.records[before:]
        assert str(record.message).startswith(str(path.parent))
        assert reason in str(record.message) and "\n" not in str(record.message)


def test_layers_are_lazy_and_named(ramp_file):
    (image, image_kw, t1), (dq, dq_kw, t2), (shapes, shapes_kw, t3) = read_product(str(ramp_file))
    assert (t1, t2, t3) == ("image", "labels", "shapes")
    assert image_kw["name"] == "small_jump difference" and dq_kw["name"] == "small_jump DQ"
    assert shapes_kw["name"] == "small_jump showers" and shapes == []
    assert shapes_kw["ndim"] == 4 and image_kw["axis_labels"] == ("integration", "group", "y", "x")
    assert isinstance(image, ProductPlanes) and not hasattr(image, "__array__")
    low, high = image_kw["contrast_limits"]
    assert low < high
    with fits.open(ramp_file) as hdul:
        expected = dq_categories(hdul["GROUPDQ"].data[1, 3])
    assert np.array_equal(dq[1, 3], expected)
    image.product.close()


def test_dq_categories_tell_flags_apart():
    flags = dqflags.pixel
    values = np.array(
        [
            0,
            flags["DO_NOT_USE"],
            flags["SATURATED"],
            flags["JUMP_DET"],
            flags["DO_NOT_USE"] | flags["JUMP_DET"],
            flags["REFERENCE_PIXEL"],
            2**31 | 4,
        ],
        dtype=np.uint32,
    )
    codes = dq_categories(values)
    assert list(codes) == [0, 1, 2, 4, 5, 8, 12]
    assert category_names(5) == "DO_NOT_USE, JUMP_DET"
    assert category_names(12) == "JUMP_DET, other flags"
    colours = {CATEGORY_COLORS[c] for c in (1, 2, 4)}
    assert len(colours) == 3  # distinguishable


def test_sample_data():
    layers = synthetic_miri_showers()
    assert [kw["name"] for _, kw, _ in layers] == [
        "miri_showers_demo_jump difference",
        "miri_showers_demo_jump DQ",
        "miri_showers_demo_jump showers",
    ]
    assert layers[0][0].shape == (2, 30, 256, 256)
    layers[0][0].product.close()


def test_shapes_writer(tmp_path):
    corners = np.column_stack(
        [np.full(4, 1.0), np.full(4, 6.0), ellipse_to_corners(9, 8, 5, 2, 40)]
    )
    out = write_showers(str(tmp_path / "s.ecsv"), [corners], {"shape_type": ["ellipse"]})
    (shower,) = read_catalog(out[0])
    assert (shower.integration, shower.group) == (1, 6)
    assert abs(shower.x - 9) < 1e-9 and abs(shower.theta - 40) < 1e-9
    catalog = [Shower(0, 2, 3, 3, 2, 2)]
    out = write_showers(str(tmp_path / "m.reg"), [], {"metadata": {"showermask_catalog": catalog}})
    assert read_catalog(out[0]) == catalog


def test_dq_layer_indexing_a_leading_axis_reads_nothing(ramp_file):
    (image, _, _), (dq, _, _), _ = read_product(str(ramp_file))
    view = dq[1]  # napari does this to learn the dtype
    assert view.dtype == np.uint8 and view.shape == (8, 16, 20)
    with fits.open(ramp_file) as hdul:
        assert np.array_equal(view[3], dq_categories(hdul["GROUPDQ"].data[1, 3]))
    image.product.close()


def bitwise_categories(dq):
    """The category rule written out bit by bit."""
    dnu, sat, jump = (dqflags.pixel[n] for n in ("DO_NOT_USE", "SATURATED", "JUMP_DET"))
    dq = dq.astype(np.uint64)
    codes = (dq & dnu != 0) * 1 + (dq & sat != 0) * 2 + (dq & jump != 0) * 4
    return (codes + (dq & ~np.uint64(dnu | sat | jump) != 0) * 8).astype(np.uint8)


def test_dq_categories_of_every_byte_and_of_wide_flags():
    every_byte = np.arange(256, dtype=np.uint8)
    assert np.array_equal(dq_categories(every_byte), bitwise_categories(every_byte))
    wide = np.random.default_rng(3).integers(0, 2**32, 5000, dtype=np.uint64).astype(np.uint32)
    wide[:8] = [0, 1, 2, 4, 256, 2**31, 2**31 | 5, 2**32 - 1]
    assert np.array_equal(dq_categories(wide), bitwise_categories(wide))
    assert dq_categories(wide.reshape(50, 100)).shape == (50, 100)
