"""An input that changes while it is read: the output is the masked copy of one whole file,
or the run fails; never a mixture, never a short file. And checksums with no DATASUM."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from support.files import file_digest, write_product
from support.safety import hdu_bytes, ones_complement_sum, snapshot, whole_hdu_verifies

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.shower import Shower
from napari_showermask.io.checksums import checksum_string
from napari_showermask.io.masked import write_masked

SHOWERS = [Shower(0, 2, 8, 7, 5, 3, 30), Shower(1, 5, 14.5, 9, 4, 4, 0)]


def with_extra_hdu(source, target):
    """The same ramp with another HDU before its SCI: every later byte moves."""
    with fits.open(source) as hdul:
        extra = fits.ImageHDU(np.arange(4000, dtype=">i4"), name="EXTRA")
        hdus = [hdul[0].copy(), extra, *(hdu.copy() for hdu in hdul[1:])]
        fits.HDUList(hdus).writeto(target)
    return target


# enough showers that preparing the mask takes a while: the file is swapped meanwhile
MANY = [Shower(i % 2, 1 + i % 6, i % 20, (i // 20) % 16, 1.5, 1, 0) for i in range(400)]

SWAP = """
import itertools, os, sys
a, b, target = sys.argv[1:]
for n in itertools.count():
    staged = target + f".staged{n % 2}"
    os.link((a, b)[n % 2], staged)
    os.replace(staged, target)
"""


def test_an_input_replaced_while_it_is_read_never_mixes_two_files(tmp_path):
    a = write_product(tmp_path / "a_jump.fits", "ramp", (2, 8, 16, 20), seed=1)
    b = with_extra_hdu(write_product(tmp_path / "b0_jump.fits", "ramp", (2, 8, 16, 20), 2),
                       tmp_path / "b_jump.fits")  # fmt: skip
    expected = {
        write_masked(a, MANY, tmp_path / "ea.fits").read_bytes(),
        write_masked(b, MANY, tmp_path / "eb.fits").read_bytes(),
    }
    target = tmp_path / "x_jump.fits"
    os.link(a, target)
    # another process gives the name to one file, then the other, as fast as it can
    swapper = subprocess.Popen([sys.executable, "-c", SWAP, str(a), str(b), str(target)])
    outcomes = {"whole": 0, "failed": 0}
    mixed = []
    try:
        for n in range(30):
            out = tmp_path / "out" / f"{n}.fits"
            out.parent.mkdir(exist_ok=True)
            try:
                write_masked(target, MANY, out)
            except ShowerMaskError as exc:
                assert str(exc).startswith(str(target)), exc
                outcomes["failed"] += 1
                continue
            if out.read_bytes() in expected:
                outcomes["whole"] += 1
            else:
                mixed.append(n)
            out.unlink()
    finally:
        swapper.kill()
        swapper.wait()
    print(outcomes, len(mixed))
    assert mixed == [], f"{len(mixed)} mixed outputs; {outcomes}"
    assert outcomes["whole"] > 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_an_input_truncated_after_its_dq_plane_fails_the_run(ramp_file, tmp_path):
    with fits.open(ramp_file) as hdul:
        info = hdul["GROUPDQ"].fileinfo()
        dq_end = info["datLoc"] + info["datSpan"]
    size = ramp_file.stat().st_size
    assert size > dq_end  # tables and the ASDF extension follow
    cut = []

    def truncate_once_dq_is_read(fraction):
        if not cut and fraction * size / 0.95 >= dq_end - 2880:
            os.truncate(ramp_file, dq_end)  # another program shortens the file
            cut.append(fraction)

    out = tmp_path / "out" / "masked.fits"
    out.parent.mkdir()
    with pytest.raises(ShowerMaskError, match="changed while it was read|ended early") as err:
        write_masked(ramp_file, SHOWERS, out, progress=truncate_once_dq_is_read)
    assert cut and str(err.value).startswith(str(ramp_file))
    assert snapshot(out.parent) == {}


def checksum_without_datasum(source, target, covers_data=True):
    """A copy whose GROUPDQ header has a CHECKSUM and no DATASUM (legal FITS).

    The standard's CHECKSUM covers the header and the data (``covers_data``); astropy's
    ``verify_checksum`` takes a missing DATASUM as 0, so a writer following astropy
    makes the header alone sum to negative zero. Both are kept valid.
    """
    with fits.open(source) as hdul:
        hdul.writeto(target)
    header, data = hdu_bytes(target, "GROUPDQ")
    raw = target.read_bytes()
    start = raw.index(header)
    end = next(n for n in range(0, len(header), 80) if header[n : n + 80].rstrip() == b"END")
    zero = fits.Card("CHECKSUM", "0" * 16, "HDU checksum").image.encode()
    assert not header[-80:].strip()  # room for one more card
    new = header[:end] + zero + header[end:-80]
    datasum = ones_complement_sum(data) if covers_data else 0
    card = fits.Card("CHECKSUM", checksum_string(new, datasum), "HDU checksum").image.encode()
    new = new.replace(zero, card)
    target.write_bytes(raw[:start] + new + raw[start + len(header) :])
    return target


@pytest.mark.parametrize("covers_data", [True, False], ids=["standard", "header-only"])
def test_a_checksum_without_datasum_still_verifies(ramp_file, tmp_path, covers_data):
    summed = checksum_without_datasum(ramp_file, tmp_path / "summed_jump.fits", covers_data)
    verifies = whole_hdu_verifies if covers_data else astropy_verifies
    assert "DATASUM" not in fits.getheader(summed, "GROUPDQ")
    assert verifies(summed, "GROUPDQ")  # the input's CHECKSUM holds
    before = file_digest(summed)
    out = write_masked(summed, SHOWERS, tmp_path / "out.fits")
    assert file_digest(summed) == before
    assert "DATASUM" not in fits.getheader(out, "GROUPDQ")
    assert not np.array_equal(fits.getdata(out, "GROUPDQ"), fits.getdata(summed, "GROUPDQ"))
    assert verifies(out, "GROUPDQ")


def astropy_verifies(path, extname):
    with fits.open(path) as hdul:
        return hdul[extname].verify_checksum() == 1
