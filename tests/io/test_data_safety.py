"""A user's files are never lost or corrupted: outputs onto inputs, races, odd inputs, sums."""

import gzip
import os
import shutil
import tempfile
import threading
import warnings

import numpy as np
import pytest
from astropy.io import fits
from stdatamodels.jwst import datamodels
from support.cli import assert_one_line_error, run
from support.files import file_digest, write_product

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.core.products import product_kind
from napari_showermask.io.catalog import Shower, write_catalog
from napari_showermask.io.masked import write_masked
from napari_showermask.io.owners import remove_stale_parts

SHOWERS = [Shower(0, 2, 8, 7, 5, 3, 30), Shower(1, 5, 14.5, 9, 4, 4, 0)]


@pytest.fixture
def catalog(tmp_path):
    return write_catalog([Shower(1, 3, 8, 7, 4, 2, 30)], tmp_path / "showers.ecsv")


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


# 1. no output is ever an input, by any name ----------------------------------------------
def other_names(path, tmp_path):
    link = tmp_path / "link.fits"
    link.symlink_to(path)
    hard = tmp_path / "hard.fits"
    hard.hardlink_to(path)
    (tmp_path / "sub").mkdir()
    return [path, link, hard, tmp_path / "sub" / ".." / path.name]


def test_apply_never_writes_over_the_ramp_or_the_catalog(ramp_file, catalog, tmp_path):
    names = other_names(ramp_file, tmp_path)
    digests = {p: file_digest(p) for p in (ramp_file, catalog)}
    for target in [*names, catalog]:
        result = run("apply", ramp_file, "--showers", catalog, "-o", target, "--overwrite")
        assert_one_line_error(result, str(target), "is an input of this command")
    assert {p: file_digest(p) for p in digests} == digests


def test_detect_never_writes_over_the_ramp(ramp_file, tmp_path):
    before = file_digest(ramp_file)
    for target in other_names(ramp_file, tmp_path):
        result = run("detect", ramp_file, "-o", target, "--overwrite")
        assert_one_line_error(result, str(target), "is an input of this command")
    assert file_digest(ramp_file) == before


# 2. two runs racing for one new output: exactly one wins ---------------------------------
def test_racing_writers_exactly_one_wins(ramp_file, tmp_path):
    target = tmp_path / "race.fits"
    barrier = threading.Barrier(2, timeout=20)
    outcomes = []

    def write(showers):
        waited = []

        def wait_for_the_other(fraction):
            if not waited:  # both are past their checks before either publishes
                waited.append(fraction)
                barrier.wait()

        try:
            write_masked(ramp_file, showers, target, progress=wait_for_the_other)
            outcomes.append(("won", showers))
        except ShowerMaskError as exc:
            outcomes.append(("lost", str(exc)))

    threads = [threading.Thread(target=write, args=(s,)) for s in ([SHOWERS[0]], [SHOWERS[1]])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o[0] for o in outcomes) == ["lost", "won"]
    lost = next(o[1] for o in outcomes if o[0] == "lost")
    assert lost.startswith(str(target)) and "exists" in lost
    winner = next(o[1] for o in outcomes if o[0] == "won")
    expected = write_masked(ramp_file, winner, tmp_path / "expected.fits")
    assert target.read_bytes() == expected.read_bytes()
    assert not [n for n in listing(tmp_path) if "part" in n]


def test_racing_command_lines(ramp_file, catalog, tmp_path):
    import subprocess

    from support.cli import EXE

    target = tmp_path / "cli_race.fits"
    args = [EXE, "apply", str(ramp_file), "--showers", str(catalog), "-o", str(target)]
    procs = [subprocess.Popen(args, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    codes = [(p.wait(), p.stderr.read()) for p in procs]
    assert sorted(c for c, _ in codes) == [0, 2, 2, 2]
    assert all("exists" in err for c, err in codes if c == 2)


# 4, 5, 12: DS9 files through the command line --------------------------------------------
@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("elipse(9,8,4,2,30) # tag={integration=1} tag={group=3}", "line 3: elipse is not"),
        ("-ellipse(9,8,4,2,30) # tag={integration=1} tag={group=3}", "line 3: exclusion region"),
        ("polygon(1,1,5,1,5,5) # tag={integration=1} tag={group=3}", "line 3: polygon is not"),
        ("ellipse(9,8,4,2,30) # tag={integration=1}", "line 3: region has no tag={group=N}"),
    ],
)
def test_ds9_lines_are_never_skipped(ramp_file, tmp_path, line, reason):
    reg = tmp_path / "marks.reg"
    reg.write_text(
        "# Region file format: DS9 version 4.1\nphysical\n"
        f"{line}\nellipse(5,5,3,2,0) # tag={{integration=0}} tag={{group=2}}\n"
    )
    before = listing(tmp_path)
    assert_one_line_error(run("apply", ramp_file, "--showers", reg), "marks.reg", reason)
    assert listing(tmp_path) == before


def test_ds9_ellipses_drawn_on_a_rate_image_need_no_tags(rate_file, tmp_path):
    reg = tmp_path / "drawn.reg"
    reg.write_text(
        "# Region file format: DS9 version 4.1\n"
        'global color=green font="helvetica 10 normal roman" select=1 include=1 source=1\n'
        "physical\nellipse(9,8,4,2,30)\n"
    )
    result = run("apply", rate_file, "--showers", reg)
    assert result.returncode == 0, result.stderr
    expected = write_masked(rate_file, [Shower(0, 0, 8, 7, 4, 2, 30)], tmp_path / "e.fits")
    with fits.open(result.stdout.strip()) as a, fits.open(expected) as b:
        assert np.array_equal(a["DQ"].data, b["DQ"].data)


# 6. another filesystem --------------------------------------------------------------------
@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs a tmpfs at /dev/shm")
def test_output_and_input_on_other_filesystems(ramp_file, catalog, tmp_path):
    shm = tempfile.mkdtemp(dir="/dev/shm")
    try:
        assert os.stat(shm).st_dev != os.stat(tmp_path).st_dev
        out = os.path.join(shm, "x.fits")
        assert run("apply", ramp_file, "--showers", catalog, "-o", out).returncode == 0
        here = run("apply", ramp_file, "--showers", catalog, "-o", tmp_path / "here.fits")
        assert here.returncode == 0
        assert open(out, "rb").read() == (tmp_path / "here.fits").read_bytes()
        moved = shutil.copy(ramp_file, os.path.join(shm, "away_jump.fits"))
        back = run("apply", moved, "--showers", catalog, "-o", tmp_path / "back.fits")
        assert back.returncode == 0, back.stderr
        assert (tmp_path / "back.fits").read_bytes() == (tmp_path / "here.fits").read_bytes()
    finally:
        shutil.rmtree(shm)


# 8. checksums ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ramp", "rateints", "rate"])
@pytest.mark.parametrize("many", [False, True])
def test_checksums_are_updated_and_verify(kind, many, request, tmp_path):
    source = request.getfixturevalue(f"{kind}_file")
    summed = tmp_path / f"summed_{kind}.fits"
    with fits.open(source) as hdul:
        hdul.writeto(summed, checksum=True)
    showers = [Shower(0, 2, x, 7, 3, 2, 10) for x in range(2, 18)] * (8 if many else 1)
    out = write_masked(summed, showers)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # astropy warns on a checksum that fails
        with fits.open(out, checksum=True) as hdul:
            for hdu in hdul:
                assert "CHECKSUM" in hdu.header and "DATASUM" in hdu.header
                assert hdu.verify_datasum() == 1, hdu.name
                assert hdu.verify_checksum() == 1, hdu.name
    dq_name = "GROUPDQ" if kind == "ramp" else "DQ"
    with fits.open(summed) as a, fits.open(out) as b:
        for old, new in zip(a, b, strict=True):
            changed = {"CHECKSUM", "DATASUM"} if old.name in ("PRIMARY", dq_name) else set()
            keep = [c.image for c in old.header.cards if c.keyword not in changed]
            now = [c.image for c in new.header.cards if c.keyword not in changed]
            if old.name == "PRIMARY":
                now = [c for c in now if not c.startswith("HISTORY")]
                keep = [c for c in keep if not c.startswith("HISTORY")]
            assert keep == now, old.name


# 9. the kind comes from the data model ---------------------------------------------------
def test_an_ifu_cube_is_not_a_rateints(tmp_path, catalog):
    cube = datamodels.IFUCubeModel(data=np.zeros((5, 16, 20), np.float32))
    cube.dq = np.zeros((5, 16, 20), np.uint32)
    path = tmp_path / "x_s3d.fits"
    cube.save(path)
    assert product_kind(path) is None
    result = run("apply", path, "--showers", catalog)
    assert_one_line_error(result, "x_s3d.fits", "data model IFUCubeModel is not a ramp")


# 10. compression: content, not name ------------------------------------------------------
def gzipped(source, target, cut=0):
    data = gzip.compress(source.read_bytes())
    target.write_bytes(data[: len(data) - cut] if cut else data)
    return target


def test_compression_is_recognised_by_content(ramp_file, catalog, tmp_path):
    expected = tmp_path / "expected.fits"
    assert run("apply", ramp_file, "--showers", catalog, "-o", expected).returncode == 0
    plain_named_gz = tmp_path / "plain_jump.fits.gz"
    shutil.copy(ramp_file, plain_named_gz)
    gz_named_fits = gzipped(ramp_file, tmp_path / "packed_jump.fits")
    for source in (plain_named_gz, gz_named_fits):
        out = tmp_path / f"out_{source.name}.fits"
        result = run("apply", source, "--showers", catalog, "-o", out)
        assert result.returncode == 0, result.stderr
        assert out.read_bytes() == expected.read_bytes()


def test_damaged_gzip_inputs(ramp_file, catalog, tmp_path):
    truncated = gzipped(ramp_file, tmp_path / "cut_jump.fits.gz", cut=500)
    bad_crc = gzipped(ramp_file, tmp_path / "crc_jump.fits.gz")
    data = bytearray(bad_crc.read_bytes())
    data[-6] ^= 0xFF  # the CRC-32 trailer
    bad_crc.write_bytes(bytes(data))
    before = listing(tmp_path)
    for path, reason in ((truncated, "damaged gzip"), (bad_crc, "damaged gzip")):
        assert_one_line_error(run("apply", path, "--showers", catalog), path.name, reason)
    assert listing(tmp_path) == before


def test_compressed_output_name_is_refused(ramp_file, catalog, tmp_path):
    result = run("apply", ramp_file, "--showers", catalog, "-o", tmp_path / "out.fits.gz")
    assert_one_line_error(result, "out.fits.gz", "give a .fits name")
    assert not (tmp_path / "out.fits.gz").exists()


def test_tile_compressed_dq_is_refused(ramp_file, catalog, tmp_path):
    packed = tmp_path / "packed_jump.fits"
    with fits.open(ramp_file) as hdul:
        hdus = [
            fits.CompImageHDU(hdu.data, hdu.header, name=hdu.name)
            if hdu.name == "GROUPDQ"
            else hdu
            for hdu in hdul
        ]
        fits.HDUList(hdus).writeto(packed)
    before = listing(tmp_path)
    result = run("apply", packed, "--showers", catalog)
    assert_one_line_error(result, "packed_jump.fits", "GROUPDQ is tile-compressed")
    assert listing(tmp_path) == before


# 11. clear messages, checked before any work ---------------------------------------------
def test_float_dq_is_refused_before_copying(rate_file, catalog, tmp_path):
    odd = tmp_path / "float_rate.fits"
    with fits.open(rate_file) as hdul:
        hdul["DQ"].data = hdul["DQ"].data.astype(np.float32)
        hdul.writeto(odd)
    rate_catalog = write_catalog([Shower(0, 0, 8, 7, 4, 2, 30)], tmp_path / "r.ecsv")
    before = listing(tmp_path)
    result = run("apply", odd, "--showers", rate_catalog)
    assert_one_line_error(result, "float_rate.fits", "DQ is not an unsigned integer plane")
    assert listing(tmp_path) == before


@pytest.mark.parametrize(
    ("output", "reason"),
    [("", "--output is empty"), (".", "is a directory"), ("{tmp}", "is a directory")],
)
def test_bad_output_names(ramp_file, catalog, tmp_path, output, reason):
    result = run("apply", ramp_file, "--showers", catalog, "-o", output.format(tmp=tmp_path))
    assert_one_line_error(result, "", reason)


def test_detect_checks_its_output_first(tmp_path):
    absent = tmp_path / "absent_jump.fits"
    result = run("detect", absent, "-o", "/proc/candidates.ecsv")
    assert_one_line_error(result, "/proc/candidates.ecsv", "cannot write")


def test_messages_never_name_the_temporary_file(ramp_file, catalog, tmp_path):
    full = tmp_path / "x.fits"
    result = run("apply", ramp_file, "--showers", catalog, "-o", "/proc/x.fits")
    assert_one_line_error(result, "/proc/x.fits", "cannot write")
    assert "part" not in result.stderr and not full.exists()


# 3 (SIGKILL): a killed writer's part file is removed by the next run --------------------
def test_stale_parts_of_dead_writers_are_removed(tmp_path):
    import socket

    host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())
    dead = tmp_path / f".x.fits.{host}-999999999.abcd.showermask-part"
    alive = tmp_path / f".x.fits.{host}-{os.getpid()}.abcd.showermask-part"
    elsewhere = tmp_path / ".x.fits.otherhost-1.abcd.showermask-part"
    for path in (dead, alive, elsewhere):
        path.write_bytes(b"partial")
    assert remove_stale_parts(tmp_path) == [dead]
    assert alive.exists() and elsewhere.exists()


def test_products_written_by_the_fixtures_are_real(tmp_path):
    # guards the tests above: a realistic product through stdatamodels
    path = write_product(tmp_path / "r_jump.fits", "ramp", (1, 4, 8, 8))
    assert product_kind(path) == "ramp"


def test_text_in_a_numeric_catalog_column(ramp_file, tmp_path):
    cat = tmp_path / "text.ecsv"
    cat.write_text(
        "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: integration, datatype: string}\n"
        "# - {name: group, datatype: int64}\n# - {name: x, datatype: float64}\n"
        "# - {name: y, datatype: float64}\n# - {name: semi_major, datatype: float64}\n"
        "# - {name: semi_minor, datatype: float64}\n# - {name: theta, datatype: float64}\n"
        "integration group x y semi_major semi_minor theta\nfirst 3 8 7 4 2 30\n"
    )
    result = run("apply", ramp_file, "--showers", cat)
    assert_one_line_error(result, "text.ecsv", "column integration holds text (e.g. 'first')")


def test_history_fits_in_the_header_padding(ramp_file, tmp_path):
    out = write_masked(ramp_file, SHOWERS[:1], tmp_path / "out.fits")
    with fits.open(ramp_file) as a, fits.open(out) as b:
        assert [h.fileinfo()["datLoc"] for h in a] == [h.fileinfo()["datLoc"] for h in b]
        assert any("napari-showermask" in str(c) for c in b[0].header["HISTORY"])
    assert out.stat().st_size == ramp_file.stat().st_size
