"""Outputs at unusual paths: names near the system's limit, directories, links, races."""

import os

import pytest

from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.publish import atomic_output


@pytest.fixture(params=[False, True], ids=["unnamed", "named"])
def named(request, monkeypatch):
    """Publish through an unnamed temporary file (Linux) or a named one (elsewhere)."""
    if request.param:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    return request.param


@pytest.mark.parametrize(
    "name",
    ["a" * 245 + ".fits", "é" * 120 + ".fits"],  # 250 bytes: a valid name; 245 in UTF-8
    ids=["ascii", "wide-characters"],
)
def test_a_name_near_the_limit_is_written_and_replaced(tmp_path, named, name):
    output = tmp_path / name
    with atomic_output(output) as handle:
        handle.write(b"one")
    with atomic_output(output, overwrite=True) as handle:
        handle.write(b"two")
    assert output.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == [output.name]


@pytest.mark.parametrize("how", ["link repointed", "directory renamed"])
def test_a_directory_moved_while_written_keeps_no_temporary_file(tmp_path, named, how):
    """``out`` comes to name the input's directory: nothing is published, and the temporary
    file is removed from the directory it was written in (not looked for at ``out``)."""
    work, checked, out = (tmp_path / n for n in ("work", "checked", "out"))
    work.mkdir()
    (work / "x.fits").write_bytes(b"input")
    if how == "link repointed":
        checked.mkdir()
        out.symlink_to(checked)
    else:
        out.mkdir()
    with (
        pytest.raises(ShowerMaskError, match="moved or replaced while it was written"),
        atomic_output(out / "x.fits", [work / "x.fits"], overwrite=True) as handle,
    ):
        handle.write(b"masked")
        if how == "link repointed":
            out.unlink()
        else:
            out.rename(checked)
        out.symlink_to(work)
    assert list(checked.iterdir()) == []
    assert [p.name for p in work.iterdir()] == ["x.fits"]
    assert (work / "x.fits").read_bytes() == b"input"
