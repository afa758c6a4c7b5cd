import gzip
import io
import shutil

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst import datamodels
from support.files import file_digest
from support.reference import reference_mask

from napari_showermask import __version__
from napari_showermask.core.dq import DO_NOT_USE as DNU
from napari_showermask.core.dq import SATURATED as SAT
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.masking import mask_array
from napari_showermask.io.catalog import Shower
from napari_showermask.io.checksums import DataSum, ones_sum
from napari_showermask.io.dqstream import DQStream
from napari_showermask.io.masked import default_output, write_masked

SHOWERS = [Shower(0, 2, 8, 7, 5, 3, 30), Shower(1, 5, 14.5, 9, 4, 4, 0), Shower(1, 1, 2, 2, 2, 1)]


def raw_hdus(path):
    """Each HDU as (name, header bytes, data bytes), cut from the file by astropy's offsets."""
    blob = open(path, "rb").read()
    out = []
    with fits.open(path, memmap=False) as hdul:
        for hdu in hdul:
            info = hdu.fileinfo()
            start, data, end = info["hdrLoc"], info["datLoc"], info["datLoc"] + info["datSpan"]
            out.append((hdu.name, blob[start:data], blob[data:end]))
    assert out[-1][2] and len(blob) == end  # nothing after the last HDU
    return out


def cards(header_bytes):
    return [header_bytes[n : n + 80] for n in range(0, len(header_bytes), 80)]


@pytest.mark.parametrize("kind", ["ramp", "rateints", "rate"])
def test_every_hdu_is_byte_identical_except_dq_bits_and_history(kind, request):
    path = request.getfixturevalue(f"{kind}_file")
    before = file_digest(path)
    out = write_masked(path, SHOWERS)
    assert out == default_output(path) and out.name.endswith("_showers_masked.fits")
    assert file_digest(path) == before
    dq_name = "GROUPDQ" if kind == "ramp" else "DQ"
    old, new = raw_hdus(path), raw_hdus(out)
    assert [h[0] for h in old] == [h[0] for h in new]
    for (name, old_header, old_data), (_, new_header, new_data) in zip(old, new, strict=True):
        if name == "PRIMARY":
            old_cards = [c for c in cards(old_header) if c.strip()]
            new_cards = [c for c in cards(new_header) if c.strip()]
            added = [c for c in new_cards if c not in old_cards]
            assert new_cards == old_cards[:-1] + added + [old_cards[-1]]  # before END
            assert all(c.startswith(b"HISTORY ") for c in added)
            assert f"napari-showermask {__version__}".encode() in b"".join(added)
            assert old_data == new_data
        elif name == dq_name:
            assert old_header == new_header
        else:
            assert (old_header, old_data) == (new_header, new_data), name
    with fits.open(path) as a, fits.open(out) as b:
        expected = reference_mask(a[dq_name].data, SHOWERS)
        assert b[dq_name].data.dtype == expected.dtype
        assert np.array_equal(b[dq_name].data, expected)
        assert not np.array_equal(a[dq_name].data, expected)


def test_output_opens_with_stdatamodels(ramp_file):
    out = write_masked(ramp_file, SHOWERS)
    with datamodels.open(out) as model, datamodels.open(ramp_file) as original:
        assert isinstance(model, datamodels.RampModel)
        assert model.groupdq.dtype == np.uint8
        assert np.array_equal(model.groupdq, reference_mask(original.groupdq, SHOWERS))
        np.testing.assert_array_equal(model.data, original.data)
        np.testing.assert_array_equal(model.pixeldq, original.pixeldq)
        assert any("napari-showermask" in entry["description"] for entry in model.history)


def test_gzipped_input(ramp_file, tmp_path):
    packed = tmp_path / "packed_jump.fits.gz"
    with open(ramp_file, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    out = write_masked(packed, SHOWERS)
    assert out.name == "packed_jump_showers_masked.fits"
    expected = write_masked(ramp_file, SHOWERS, tmp_path / "plain.fits")
    assert out.read_bytes() == expected.read_bytes()


def test_never_replaces_without_permission(ramp_file):
    out = write_masked(ramp_file, SHOWERS[:1])
    first = file_digest(out)
    with pytest.raises(ShowerMaskError, match="exists"):
        write_masked(ramp_file, SHOWERS)
    assert file_digest(out) == first
    write_masked(ramp_file, SHOWERS, overwrite=True)
    assert file_digest(out) != first


def test_never_writes_the_input(ramp_file):
    before = file_digest(ramp_file)
    with pytest.raises(ShowerMaskError, match="is an input of this command"):
        write_masked(ramp_file, SHOWERS, output=ramp_file, overwrite=True)
    assert file_digest(ramp_file) == before


def test_interrupted_write_leaves_nothing(ramp_file):
    calls = []

    def interrupt(fraction):
        calls.append(fraction)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_masked(ramp_file, SHOWERS, progress=interrupt)
    assert calls
    assert sorted(p.name for p in ramp_file.parent.iterdir()) == [ramp_file.name]


def test_progress_reaches_one(ramp_file):
    seen = []
    write_masked(ramp_file, SHOWERS, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_history_lists_many_showers_and_header_grows_by_blocks(ramp_file):
    many = [Shower(0, 3, x, 8, 1, 1) for x in range(2, 18)] * 5
    out = write_masked(ramp_file, many)
    with fits.open(out) as hdul:
        history = [str(h) for h in hdul[0].header["HISTORY"]]
        assert sum(h.startswith("shower ") for h in history) == 80
        assert hdul[0].fileinfo()["datLoc"] % 2880 == 0


@pytest.mark.parametrize("kind", ["ramp", "rateints", "rate"])
@pytest.mark.parametrize("dtype", [">u1", ">u2", ">u4"])
def test_masking_while_copying_equals_mask_array_for_any_block_size(kind, dtype):
    """Blocks of one plane to all planes, odd widths (columns move between words), sums."""
    rng = np.random.default_rng(len(kind) * 10 + int(dtype[-1]))
    nints, ngroups, ny, nx = 2, 9, 23, 29
    shape = {"ramp": (nints, ngroups, ny, nx), "rateints": (nints, ny, nx), "rate": (ny, nx)}
    shape = shape[kind]
    flags = [0, 0, 0, DNU, SAT, DNU | SAT, 0x20, 0x80]
    stored = rng.choice(flags, size=shape).astype(dtype)
    if dtype == ">u4":
        stored |= np.array(2**31, dtype)  # BZERO-stored uint32: the top bit is often set
    showers = [
        Shower(0, 3, 8, 7, 6, 3, 30),
        Shower(0, 1, 11, 9, 4, 4, 0),  # overlaps the first: one box, earlier onset
        Shower(1, 7, 20, 15, 9, 2, 75),
        Shower(1, 0, 2, 20, 3, 2, 0),  # onset at group 0: nothing usable before it
    ]
    expected = stored.copy()
    mask_array(expected, showers, kind)
    assert not np.array_equal(expected, stored)
    plane = ny * nx * stored.itemsize
    for block in (1, plane, 2 * plane + 5, 4 * plane, stored.nbytes):
        datasum = DataSum(ones_sum(stored.tobytes()) % (2**32 - 1))
        target = io.BytesIO()
        stream = DQStream(showers, kind, shape, stored.dtype, datasum)
        stream.copy(io.BytesIO(stored.tobytes() + b"rest"), target, block_bytes=block)
        written = np.frombuffer(target.getvalue(), dtype).reshape(shape)
        assert np.array_equal(written, expected), block
        assert datasum.current == ones_sum(expected.tobytes()) % (2**32 - 1), block


def test_a_dq_plane_cut_short_is_an_error():
    stored = np.zeros((1, 4, 8, 8), np.uint8)
    stream = DQStream([Shower(0, 1, 4, 4, 2, 2)], "ramp", stored.shape, stored.dtype)
    with pytest.raises(OSError, match="input ended early"):
        stream.copy(io.BytesIO(stored.tobytes()[:-1]), io.BytesIO())
