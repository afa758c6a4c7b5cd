"""A signal whose handler runs inside an interpreter callback (a weakref callback, a
``__del__``), where exceptions are printed and ignored, still interrupts the program."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROGRAM = r"""
import os, signal, sys, time, weakref
from napari_showermask.io.interrupts import Interrupted, interrupts_on_signals

class Held:
    pass

def callback(ref):
    if sys.argv[1] == "signal":
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10000):  # the signal's handler runs in here
            pass
    else:
        raise ValueError("a callback's own error")

hook = sys.unraisablehook
try:
    with interrupts_on_signals():
        held = Held()
        ref = weakref.ref(held, callback)
        del held
        time.sleep(3)
        print("went on")
except Interrupted as exc:
    print("interrupted", exc.signum)
print("hook restored", sys.unraisablehook is hook)
"""

posix_signals = pytest.mark.skipif(sys.platform == "win32", reason="os.kill(SIGTERM) ends it")


def run(case):
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, case], capture_output=True, text=True, timeout=60
    )


@posix_signals
def test_an_interrupt_swallowed_by_a_callback_is_delivered_again():
    done = run("signal")
    assert done.stderr == ""
    assert done.stdout.splitlines() == ["interrupted 15", "hook restored True"]


def test_other_errors_in_callbacks_are_still_printed():
    done = run("error")
    assert "Exception ignored in" in done.stderr and "a callback's own error" in done.stderr
    assert done.stdout.splitlines() == ["went on", "hook restored True"]
