"""The ``showermask`` command line: apply catalogs, detect showers (one file or many), demo."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from napari_showermask.cli_parser import parse
from napari_showermask.core.errors import ShowerMaskError, os_reason
from napari_showermask.io.interrupts import interrupts_on_signals, signal_received

if TYPE_CHECKING:
    from napari_showermask.detect.params import DetectionParams

__all__ = ["main"]


def _output(args: argparse.Namespace) -> Path | None:
    if args.output is None:
        return None
    if not args.output.strip():
        raise ShowerMaskError("--output is empty; give a file name")
    return Path(args.output)


def _apply(args: argparse.Namespace) -> Path:
    from napari_showermask.io.masked import write_masked
    from napari_showermask.pipeline.task import showers_of

    output = _output(args)
    (args.input,) = args.input
    showers, catalog = showers_of(args.input, args.showers, "--showers")
    report = []
    if args.report:  # the fits take a while: a refused output is said first
        from napari_showermask.fit.residuals import residual_report
        from napari_showermask.io.masked import default_output
        from napari_showermask.io.paths import check_output

        target = output if output is not None else default_output(args.input)
        check_output(target, [args.input, catalog], args.overwrite)
        report = residual_report(args.input, showers)
    path = write_masked(
        args.input,
        showers,
        output,
        overwrite=args.overwrite,
        catalog_name=catalog,
        inputs=[catalog],
    )
    for line in report:
        print(line)
    return path


def _demo(args: argparse.Namespace) -> Path:
    from napari_showermask.synthetic.demo import write_demo

    try:
        args.directory.mkdir(parents=True, exist_ok=True)
        path = write_demo(args.directory, overwrite=args.overwrite)
    except OSError as exc:
        raise ShowerMaskError(f"{args.directory}: cannot write ({exc.strerror or exc})") from None
    if args.gui:
        print(path, flush=True)
        from napari_showermask._widget import launch

        launch(str(path))
    return path


def _params(args: argparse.Namespace) -> DetectionParams:
    from napari_showermask.detect.params import DetectionParams

    return DetectionParams().updated(args.param)


def _detect(args: argparse.Namespace) -> Path:
    from napari_showermask.pipeline.task import detect_file

    (args.input,) = args.input
    params = _params(args)
    written, _ = detect_file(args.input, _output(args), args.accept, args.overwrite, None, params)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success, 2 on bad input (after one ``showermask: error:`` line on stderr).
    """
    many = False
    try:
        with interrupts_on_signals():
            parser, args = parse(argv)
            many = args.command != "demo" and (len(args.input) > 1 or args.scheduler is not None)
            if many:
                _check_many(parser, args)
            run = {"apply": _apply, "demo": _demo, "detect": _detect}[args.command]
            if many:
                return _many(args)
            path = run(args)
    except BaseException as exc:  # a signal first, whatever it became (see signal_received)
        signum = signal_received() or (
            int(getattr(exc, "signum", signal.SIGINT)) if isinstance(exc, KeyboardInterrupt) else 0
        )
        if signum:
            done = "files not yet done were not written" if many else "nothing written"
            name = signal.Signals(signum).name
            print(f"showermask: interrupted ({name}); {done}", file=sys.stderr)
            return 128 + signum
        if isinstance(exc, ShowerMaskError):
            print(f"showermask: error: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, OSError):  # the system's limits (ulimit -n, -u), not one file's
            print(f"showermask: error: {os_reason(exc)}; nothing more was done", file=sys.stderr)
            return 2
        raise
    if not (args.command == "demo" and args.gui):
        print(path)
    return 0


def _check_many(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse options that name one file when several INPUTs are given."""
    if getattr(args, "report", False):
        parser.error("--report needs a single INPUT and no --scheduler")
    for option, value in (
        ("--showers", getattr(args, "showers", None)),
        ("--output", args.output),
    ):
        if value is not None and len(args.input) > 1:
            parser.error(f"{option} needs a single INPUT ({len(args.input)} given)")


def _many(args: argparse.Namespace) -> int:
    """Run apply or detect over many files; one line per file; 2 if any failed."""
    from napari_showermask.pipeline.batch import apply_files, detect_files

    common = {"jobs": args.jobs, "client": args.scheduler, "overwrite": args.overwrite}
    bar = _Bar(len(args.input))
    if args.command == "apply":
        catalog = {"showers": args.showers, "output": _output(args)}
        results = apply_files(args.input, **catalog, **common, progress=bar)
    else:
        output, params = _output(args), _params(args)
        results = detect_files(
            args.input, output, args.accept, **common, progress=bar, params=params
        )
    bar.close()
    return 2 if any(not r.ok for r in results) else 0


class _Bar:
    """A progress line on stderr (terminals only); prints each file's result as it ends."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.shown = sys.stderr.isatty()
        self.draw(0, 0, 0.0)

    def __call__(self, progress: Any) -> None:
        self.clear()
        last = progress.last
        if last.ok:
            print(last.output, flush=True)
        else:
            print(f"showermask: error: {last.error}", file=sys.stderr, flush=True)
        self.draw(progress.done, progress.failed, progress.bytes_per_second)

    def draw(self, done: int, failed: int, rate: float) -> None:
        if not self.shown:
            return
        filled = 30 * done // max(self.total, 1)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} files"
        line += f", {failed} failed" if failed else ""
        sys.stderr.write(f"\r{line}, {rate / 1e6:.0f} MB/s ")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
