"""Benchmark many files at once: batch `showermask apply` vs `cp`, batch `detect` vs one by one.

Reports, in one run, medians of repeated runs (configurations alternate, the apply order
rotating, same page-cache state, outputs deleted and flushed between runs):
- `showermask apply F1..F8` (each with its sidecar catalog of 40 showers, default jobs)
  as a ratio to `cp F1..F8 DIR` of the same files in one command (target <= 1.3x), and
  `showermask apply F` run once per file, for the start-up paid once;
- `showermask detect F1..Fn` with `--jobs 1` and `--jobs 2`, against `showermask detect F`
  run once per file: throughput in GB/s of input and peak RSS of the largest process
  (one worker: each worker handles one file at a time).

With ``--compare SRC`` (the ``src`` directory of another checkout, e.g. a ``git worktree``
of an earlier commit) the batch apply is also run with that code, in the same rotation.

Every command runs as a child of a small wrapper process whose RUSAGE_CHILDREN peak is
the largest resident set of the command and its workers.

The files are copies of `bigramp.big_ramp` (2 x 120 x 1024 x 1032, 1.27 GB) under
``benchmarks/_data/batch/``; ``--clean`` removes them at the end.

Usage: python benchmarks/bench_batch.py [--files 8] [--detect-files 4] [--repeat 3] [--clean]
       [--compare SRC]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bigramp import DATA, big_catalog, big_ramp

from napari_showermask.io.masked import default_output
from napari_showermask.io.paths import candidates_path, sidecar_path

EXE = shutil.which("showermask") or str(Path(sys.executable).with_name("showermask"))

# Runs each command given as a JSON list; prints wall seconds and the largest child's RSS.
WRAPPER = """
import json, resource, subprocess, sys, time
commands = json.loads(sys.argv[1])
start = time.perf_counter()
for command in commands:
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        sys.exit(done.stderr.decode()[-2000:])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps([elapsed, peak]))
"""


def measure(commands: list[list[str]], src: Path | None = None) -> tuple[float, float]:
    """Run the commands one after the other (``src`` first on the path); return (s, peak MB)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps([[str(c) for c in cmd] for cmd in commands])],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        raise SystemExit(f"benchmark command failed: {done.stderr}")
    elapsed, peak = json.loads(done.stdout)
    return elapsed, peak


def program(count: int) -> list[Path]:
    """Copies of the big ramp, each with a sidecar catalog."""
    source = big_ramp()
    directory = DATA / "batch"
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = directory / f"exp{n}_jump.fits"
        if not path.exists() or path.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, path)
        big_catalog(sidecar_path(path))
        paths.append(path)
    return paths


def forget(paths: list[Path]) -> None:
    """Delete outputs and flush, so each run starts from the same state."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    os.sync()


def median_table(runs: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    return {
        name: (statistics.median(t for t, _ in v), max(p for _, p in v))
        for name, v in runs.items()
    }


def bench_apply(paths: list[Path], repeat: int, compare: Path | None = None) -> None:
    copies = DATA / "batch" / "cp_target"
    outputs = [default_output(p) for p in paths]
    cases = {
        "cp (one command)": lambda: [["cp", *paths, copies]],
        "showermask apply (batch)": lambda: [[EXE, "apply", *paths]],
        "showermask apply (batch, --jobs 1)": lambda: [[EXE, "apply", *paths, "--jobs", "1"]],
        "showermask apply (one by one)": lambda: [[EXE, "apply", p] for p in paths],
    }
    other = "showermask apply (batch, --compare code)"
    if compare is not None:
        print(f"--compare code: {compare}")
        module = [sys.executable, "-m", "napari_showermask.cli"]
        cases[other] = lambda: [[*module, "apply", *paths]]
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    names = list(cases)
    for k in range(repeat):
        for name in names[k % len(names) :] + names[: k % len(names)]:  # rotate the order
            forget([copies, *outputs])
            copies.mkdir()
            runs[name].append(measure(cases[name](), compare if name == other else None))
    forget([copies, *outputs])
    size = sum(p.stat().st_size for p in paths) / 1e9
    table = median_table(runs)
    base = table["cp (one command)"][0]
    print(f"\napply: {len(paths)} files, {size:.2f} GB, medians of {repeat}")
    for name, (seconds, peak) in table.items():
        print(
            f"  {name:40s} {seconds:7.2f} s  {seconds / base:5.2f}x cp"
            f"  {size / seconds:5.2f} GB/s  peak RSS {peak:6.0f} MB"
        )
    # each round's ratio to that round's cp: less sensitive to the load drifting between rounds
    print("  per round, x cp (median, then each round):")
    cp_runs = [t for t, _ in runs["cp (one command)"]]
    for name, values in runs.items():
        ratios = [t / c for (t, _), c in zip(values, cp_runs, strict=True)]
        each = " ".join(f"{r:.2f}" for r in ratios)
        print(f"  {name:40s} {statistics.median(ratios):5.2f}x  ({each})")


def bench_detect(paths: list[Path], repeat: int) -> None:
    outputs = [candidates_path(p) for p in paths]
    cases = {
        "detect one by one": lambda: [[EXE, "detect", p] for p in paths],
        "detect batch --jobs 1": lambda: [[EXE, "detect", *paths, "--jobs", "1"]],
        "detect batch --jobs 2": lambda: [[EXE, "detect", *paths, "--jobs", "2"]],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, commands in cases.items():
            forget(outputs)
            runs[name].append(measure(commands()))
    forget(outputs)
    size = sum(p.stat().st_size for p in paths) / 1e9
    table = median_table(runs)
    base = table["detect one by one"][0]
    print(f"\ndetect: {len(paths)} files, {size:.2f} GB, medians of {repeat}")
    for name, (seconds, peak) in table.items():
        print(
            f"  {name:32s} {seconds:7.2f} s  {size / seconds:5.3f} GB/s  "
            f"{base / seconds:5.2f}x one by one  peak RSS per worker {peak:6.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--detect-files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--detect-repeat", type=int, default=1)
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--skip-detect", action="store_true")
    parser.add_argument("--clean", action="store_true", help="delete the copies at the end")
    parser.add_argument("--compare", type=Path, metavar="SRC", help="another checkout's src")
    args = parser.parse_args()
    paths = program(max(args.files, args.detect_files))
    print(f"{os.cpu_count()} cores; files: {paths[0].parent}")
    try:
        if not args.skip_apply:
            bench_apply(paths[: args.files], args.repeat, args.compare)
        if not args.skip_detect:
            bench_detect(paths[: args.detect_files], args.detect_repeat)
    finally:
        if args.clean:
            shutil.rmtree(DATA / "batch", ignore_errors=True)


if __name__ == "__main__":
    main()
