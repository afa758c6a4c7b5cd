import numpy as np
import pytest
from astropy.table import Table

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.catalog import Shower, read_catalog, showers_to_table, write_catalog

SHOWERS = [
    Shower(0, 5, 10.5, 20.25, 8, 3.5, 30, extra={"score": 0.9, "source": "detect"}),
    Shower(1, 0, 3, 4, 2, 2, 0, extra={"score": 0.5, "source": "hand"}),
]


@pytest.mark.parametrize("name", ["cat.ecsv", "cat.reg"])
def test_round_trip_keeps_everything(tmp_path, name):
    path = write_catalog(SHOWERS, tmp_path / name)
    back = read_catalog(path)
    assert back == SHOWERS
    assert [s.extra for s in back] == [s.extra for s in SHOWERS]


def test_ecsv_has_the_contract_columns_first(tmp_path):
    write_catalog(SHOWERS, tmp_path / "c.ecsv")
    table = Table.read(tmp_path / "c.ecsv")
    assert table.colnames[:7] == [
        "integration", "group", "x", "y", "semi_major", "semi_minor", "theta",
    ]  # fmt: skip
    assert table["integration"].dtype.kind == "i"


def test_reg_file_is_ds9_one_based_with_tags(tmp_path):
    text = write_catalog(SHOWERS[:1], tmp_path / "c.reg").read_text()
    assert "image" in text
    assert "ellipse(11.5" in text and "21.25" in text  # 1-based centre
    assert "tag={integration=0}" in text and "tag={group=5}" in text


def test_reads_a_hand_written_ds9_file_with_circles(tmp_path):
    path = tmp_path / "hand.reg"
    path.write_text(
        "# Region file format: DS9 version 4.1\nimage\n"
        "ellipse(101,51,12,6,45) # color=green tag={integration=1} tag={group=7}\n"
        "circle(11,11,4) # tag={integration=0} tag={group=2}\n"
    )
    assert read_catalog(path) == [Shower(1, 7, 100, 50, 12, 6, 45), Shower(0, 2, 10, 10, 4, 4, 0)]


TAGS = " # tag={integration=0} tag={group=0}\n"


DS9_HEADER = (
    "# Region file format: DS9 version 4.1\n"
    'global color=green dashlist=8 3 width=1 font="helvetica 10 normal roman" select=1 '
    "highlite=1 dash=0 fixed=0 edit=1 move=1 delete=1 include=1 source=1\n"
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("image\nellipse(11,11,4,2,0)\n", r"line 2: region has no tag=\{integration=N\}"),
        ("image\nbox(11,11,4,2,0)" + TAGS, "line 2: box is not a shower shape"),
        ("image\nellipse(11,11,-4,2,0)" + TAGS, "line 2: .*strictly positive"),
        ('fk5\nellipse(10.1,20.2,4",2",0)' + TAGS, "line 1: fk5 coordinates are not supported"),
        # issue: a typo, an exclusion region and an unknown shape were skipped silently
        (DS9_HEADER + "image\nelipse(11,11,4,2,0)" + TAGS, "line 4: elipse is not a shower"),
        (DS9_HEADER + "image\n-ellipse(11,11,4,2,0)" + TAGS, "line 4: exclusion region"),
        (DS9_HEADER + "physical\nvector(11,11,4,30)" + TAGS, "line 4: vector is not a shower"),
        (DS9_HEADER + "image\n# text(11,11) text={shower}\n", "line 4: text region"),
        ("image\nellipse(11,11,4,2,6,3,0)" + TAGS, "line 2: EllipseAnnulus"),
        ("image\nthis is not a region\n", "line 2: not a region"),
    ],
)
def test_bad_region_files(tmp_path, content, reason):
    path = tmp_path / "bad.reg"
    path.write_text(content + "image\nellipse(30,30,4,2,0)" + TAGS)
    with pytest.raises(ShowerMaskError, match=reason) as info:
        read_catalog(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("system", ["image", "physical"])
def test_reads_files_as_ds9_writes_them(tmp_path, system):
    path = tmp_path / "ds9.reg"
    path.write_text(
        DS9_HEADER + system + "\n"
        "ellipse(101,51,12,6,45) # color=red tag={integration=1} tag={group=7}\n"
        "image; circle(11,11,4) # tag={integration=0} tag={group=2}\n"
    )
    assert read_catalog(path) == [Shower(1, 7, 100, 50, 12, 6, 45), Shower(0, 2, 10, 10, 4, 4, 0)]


def test_untagged_regions_are_enough_for_rate_products(tmp_path):
    path = tmp_path / "rate.reg"
    path.write_text(DS9_HEADER + "physical\nellipse(101,51,12,6,45)\n")
    assert read_catalog(path, kind="rate") == [Shower(0, 0, 100, 50, 12, 6, 45)]
    with pytest.raises(ShowerMaskError, match=r"line 4: region has no tag=\{integration=N\}"):
        read_catalog(path, kind="rateints")
    path.write_text(DS9_HEADER + "image\nellipse(101,51,12,6,45) # tag={integration=1}\n")
    assert read_catalog(path, kind="rateints") == [Shower(1, 0, 100, 50, 12, 6, 45)]
    with pytest.raises(ShowerMaskError, match=r"has no tag=\{group=N\} \(a ramp product"):
        read_catalog(path, kind="ramp")


def test_ds9_round_trip_keeps_extra_values_exactly(tmp_path):
    extra = {
        "note": "a}b{c",
        "code": "007",
        "quoted": 'say "hi"; then go',
        "score": 0.9,
        "count": 3,
        "flag": True,
        "empty": "",
    }
    showers = [Shower(0, 5, 10.5, 20.25, 8, 3.5, 30, extra=extra)]
    back = read_catalog(write_catalog(showers, tmp_path / "c.reg"))
    assert back == showers
    assert back[0].extra == extra
    assert [type(v) for v in back[0].extra.values()] == [type(v) for v in extra.values()]


def test_bad_tables(tmp_path):
    table = Table(showers_to_table(SHOWERS))
    table.remove_column("theta")
    table.write(tmp_path / "missing.ecsv")
    with pytest.raises(ShowerMaskError, match="missing column.*theta"):
        read_catalog(tmp_path / "missing.ecsv")
    table = Table(showers_to_table(SHOWERS))
    table["x"][1] = np.nan
    table.write(tmp_path / "nan.ecsv")
    with pytest.raises(ShowerMaskError, match="row 1: x must be finite"):
        read_catalog(tmp_path / "nan.ecsv")
    table = Table(showers_to_table(SHOWERS))
    table["semi_minor"][0] = -1
    table.write(tmp_path / "neg.ecsv")
    with pytest.raises(ShowerMaskError, match="row 0: semi-axes must be > 0"):
        read_catalog(tmp_path / "neg.ecsv")
    table = Table(showers_to_table(SHOWERS))
    table["integration"] = ["one", "two"]
    table.write(tmp_path / "text.ecsv")
    with pytest.raises(ShowerMaskError, match="column integration holds text .*'one'.* whole"):
        read_catalog(tmp_path / "text.ecsv")
    (tmp_path / "junk.ecsv").write_text("this is not a table\x00\n")
    with pytest.raises(ShowerMaskError, match="junk.ecsv: not a readable ECSV"):
        read_catalog(tmp_path / "junk.ecsv")
    with pytest.raises(ShowerMaskError, match="no such catalog"):
        read_catalog(tmp_path / "absent.ecsv")


def test_shower_validation():
    with pytest.raises(ValueError, match="integration must be >= 0"):
        Shower(-1, 0, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="group must be a whole number"):
        Shower(0, 1.5, 1, 1, 1, 1)
    assert Shower(0.0, 2.0, 1, 1, 1, 1).group == 2


def test_write_refuses_to_replace(tmp_path):
    write_catalog(SHOWERS, tmp_path / "c.ecsv")
    with pytest.raises(ShowerMaskError, match="exists"):
        write_catalog(SHOWERS, tmp_path / "c.ecsv")
    write_catalog(SHOWERS[:1], tmp_path / "c.ecsv", overwrite=True)
    assert len(read_catalog(tmp_path / "c.ecsv")) == 1


def test_write_never_replaces_an_input(tmp_path):
    product = tmp_path / "x_jump.fits"
    product.write_bytes(b"ramp bytes")
    link = tmp_path / "alias.ecsv"
    link.symlink_to(product)
    for target in (product, link, tmp_path / "sub" / ".." / "x_jump.fits"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(ShowerMaskError, match="is an input"):
            write_catalog(SHOWERS, target, overwrite=True, inputs=[product])
    hard = tmp_path / "hard.ecsv"
    hard.hardlink_to(product)
    with pytest.raises(ShowerMaskError, match="is an input"):
        write_catalog(SHOWERS, hard, overwrite=True, inputs=[product])
    assert product.read_bytes() == b"ramp bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "alias.ecsv",
        "hard.ecsv",
        "sub",
        "x_jump.fits",
    ]
