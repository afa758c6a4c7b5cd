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


def test_a_name_near_the_limit_is_written_and_replaced(tmp_path, named):
    output = tmp_path / ("a" * 245 + ".fits")  # 250 bytes: a valid name
    with atomic_output(output) as handle:
        handle.write(b"one")
    with atomic_output(output, overwrite=True) as handle:
        handle.write(b"two")
    assert output.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == [output.name]


def test_a_long_name_of_wide_characters_too(tmp_path, named):
    output = tmp_path / ("é" * 120 + ".fits")  # 245 bytes in UTF-8
    with atomic_output(output) as handle:
        handle.write(b"one")
    with atomic_output(output, overwrite=True) as handle:
        handle.write(b"two")
    assert output.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == [output.name]
