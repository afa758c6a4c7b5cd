"""A real SIGKILL at an exact moment of a local batch's worker, as the out-of-memory
killer or an operator would send it, for the moments no timing can hit reliably.

`KILL_AT` is a program run with ``python -c``: its first four arguments say where to
strike, the rest are ``showermask``'s (or, after ``--batch``, a Python-API batch whose
results it prints, one ``name showers error`` line each). The moments are wrapped around
the real calls in the main process before the pool's workers are forked (Linux), so only
those workers strike. Copying is the kernel's copy, or without it (the portable run) each
stretch the writer copies.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest

# where a worker strikes: just forked (the batch is still handing out its files); a file
# just opened for writing (the output directory's probe, then the temporary output);
# copying the input into its temporary output; its output complete but not yet published
# (the batch's journal is noted first); its output published; about to send its result
# back; its result sent
MOMENTS = ("started", "opening", "copying", "noting", "published", "sending", "sent")

KILL_AT = r"""
import os, signal, sys, time
MAIN = os.getpid()
MOMENT, NTH, VICTIM, MARKS = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
del sys.argv[1:5]

def chosen(moment):
    # the NTH arrival at MOMENT over all the workers (a marker file for each arrival)
    if os.getpid() == MAIN or moment != MOMENT:
        return False
    for n in range(NTH + 1):
        try:
            os.close(os.open(os.path.join(MARKS, str(n)), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        return n == NTH
    return False

def strike(moment):
    if not chosen(moment):
        return
    if VICTIM == "callback":  # a SIGTERM that comes while the interpreter runs a callback
        import weakref
        class Held:
            pass
        def callback(ref):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10000):  # the signal's handler runs in here
                pass
        held = Held()
        ref = weakref.ref(held, callback)
        del held
        for _ in range(200):  # the task goes on for 2 s unless the signal interrupts it
            time.sleep(0.01)
        open(os.path.join(MARKS, "went-on"), "w").close()
        return
    if VICTIM == "self":
        os.kill(os.getpid(), signal.SIGKILL)
    with open(f"/proc/{MAIN}/task/{MAIN}/children") as listing:
        siblings = [int(n) for n in listing.read().split() if int(n) != os.getpid()]
    if siblings:
        os.kill(siblings[0], signal.SIGKILL)

def around(owner, name, before, after):
    real = getattr(owner, name)
    def call(*args, **kwargs):
        strike(before)
        result = real(*args, **kwargs)
        strike(after)
        return result
    setattr(owner, name, call)

import concurrent.futures, multiprocessing.queues, time
os.register_at_fork(after_in_child=lambda: strike("started"))
real_submit = concurrent.futures.ProcessPoolExecutor.submit
def submit(self, *args, **kwargs):
    # the batch hands out its files slowly (a loaded machine) while a worker dies starting
    future = real_submit(self, *args, **kwargs)
    deadline = time.monotonic() + 2
    while MOMENT == "started" and not os.listdir(MARKS) and time.monotonic() < deadline:
        time.sleep(0.01)
    if MOMENT == "started" and os.listdir(MARKS) and not getattr(submit, "paused", 0):
        submit.paused = 1
        time.sleep(0.3)
    return future
concurrent.futures.ProcessPoolExecutor.submit = submit
real_open = os.open
def opening(path, flags, *args, **kwargs):
    fd = real_open(path, flags, *args, **kwargs)
    if flags & (os.O_WRONLY | os.O_RDWR):
        strike("opening")
    return fd
os.open = opening
if hasattr(os, "copy_file_range"):
    around(os, "copy_file_range", "", "copying")
else:  # the portable run: the writer copies with reads and writes
    from napari_showermask.io import filecopy
    around(filecopy, "copy_until", "", "copying")
around(os, "replace", "noting", "")
around(os, "link", "", "published")
around(multiprocessing.queues.SimpleQueue, "put", "sending", "sent")

if sys.argv[1] == "--batch":
    from napari_showermask.pipeline import batch
    command, jobs, *files = sys.argv[2:]
    run = batch.apply_files if command == "apply" else batch.detect_files
    results = run(files, jobs=int(jobs))
    for r in results:
        print(os.path.basename(r.input), r.showers, r.error, sep="\t")
    sys.exit(2 if any(not r.ok for r in results) else 0)
from napari_showermask.cli import main
sys.argv[0] = "showermask"
sys.exit(main())
"""

forked_workers = pytest.mark.skipif(
    not sys.platform.startswith("linux") or multiprocessing.get_start_method() != "fork",
    reason="the moments are set before the workers are forked; /proc lists them (Linux)",
)


def kill_at(moment, nth, victim, marks: Path, *args, timeout=300):
    """Run ``showermask`` (or ``--batch COMMAND JOBS FILES``) in which the ``nth`` worker
    arrival at ``moment`` SIGKILLs itself (``victim="self"``) or a sibling, or gets SIGTERM
    inside a weakref callback (``victim="callback"``); returns the
    completed process and the number of arrivals at that moment."""
    marks.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", KILL_AT, moment, str(nth), victim, str(marks), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done, len(list(marks.iterdir()))
