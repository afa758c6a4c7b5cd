"""What used to hang: a scheduler that accepts and never answers, a FIFO named *.fits."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from support.files import write_product
from support.safety import run_script, silent_listener, snapshot


def test_a_silent_scheduler_is_one_line_within_the_timeout(tmp_path):
    pytest.importorskip("distributed")
    inputs = [write_product(tmp_path / f"s{n}_jump.fits", "ramp", (1, 4, 8, 8)) for n in (1, 2)]
    before = snapshot(tmp_path)
    with silent_listener() as address:
        start = time.monotonic()
        done = run_script("showermask", "detect", *inputs, "--scheduler", address, timeout=120)
        elapsed = time.monotonic() - start
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith(f"showermask: error: cannot connect to the scheduler {address}")
    assert elapsed < 40, elapsed  # the 10 s connection timeout, and the interpreter's start
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_the_reader_declines_a_fifo_named_fits_at_once(tmp_path):
    fifo = tmp_path / "x_jump.fits"
    os.mkfifo(fifo)
    code = (
        "import sys; from napari_showermask._reader import get_reader; "
        "print(get_reader(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "None"
