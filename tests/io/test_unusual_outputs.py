"""Outputs at unusual paths: names near the system's limit, directories, links, races."""

import os

import pytest

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
