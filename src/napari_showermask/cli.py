"""The ``showermask`` command line: apply catalogs, detect showers (one file or many), demo."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from napari_showermask import __version__
from napari_showermask.core.errors import ShowerMaskError
from napari_showermask.io.interrupts import interrupts_on_signals

if TYPE_CHECKING:
    from napari_showermask.detect.params import DetectionParams

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are the one-line ``showermask: error:`` form."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"showermask: error: {message} (see showermask --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="showermask",
        description=(
            "Mask JWST MIRI cosmic-ray showers: OR JUMP_DET into a ramp's GROUPDQ from each "
            "shower's first group to the end of its integration (DO_NOT_USE | JUMP_DET "
            "into a rate or rateints DQ), writing <stem>_showers_masked.fits."
        ),
    )
    parser.add_argument("--version", action="version", version=f"showermask {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    apply = commands.add_parser(
        "apply",
        help="write a masked copy of ramp, rate or rateints files",
        description="Write a masked copy of each INPUT and print its path. INPUT is never "
        "changed. With several INPUTs each takes its sidecar catalog; a bad file gets its "
        "error line, the others are still done, and the exit status is 2.",
    )
    apply.add_argument(
        "input", metavar="INPUT", type=Path, nargs="+", help="_jump/_ramp/_rate/_rateints"
    )
    apply.add_argument(
        "--showers",
        type=Path,
        metavar="CATALOG",
        help="shower catalog: ECSV table or DS9 region file (.reg); one INPUT only; "
        "default: each INPUT's sidecar <stem>_showers.ecsv",
    )
    _add_output(apply, "PATH", "output file, one INPUT only (default: <stem>_showers_masked.fits)")
    apply.add_argument(
        "--report",
        action="store_true",
        help="print one line per shower: its rate excess inside the ellipse and in a ring "
        "around it, before and after masking, and what to check (one INPUT only)",
    )
    _add_workers(apply)

    demo = commands.add_parser(
        "demo",
        help="write a synthetic MIRI ramp with showers",
        description="Write a synthetic MIRI ramp with showers (and its truth catalog).",
    )
    demo.add_argument("directory", metavar="DIR", nargs="?", type=Path, default=Path("."))
    demo.add_argument("--gui", action="store_true", help="open it in napari with the widget")

    detect = commands.add_parser(
        "detect",
        help="propose candidate showers in ramps, as ECSV catalogs",
        description="Find candidate showers in each ramp and write them as an ECSV catalog "
        "(contract columns plus score) for review; 'showermask apply' takes it. A bad file "
        "gets its error line, the others are still done, and the exit status is 2.",
    )
    detect.add_argument("input", metavar="INPUT", type=Path, nargs="+", help="_jump or _ramp")
    _add_output(
        detect,
        "CATALOG",
        "catalog to write, one INPUT only (default: <stem>_candidates.ecsv next to INPUT)",
    )
    detect.add_argument(
        "--accept",
        action="store_true",
        help="write the candidates as the showers to mask: INPUT's sidecar "
        "<stem>_showers.ecsv (replaced only with --overwrite)",
    )
    detect.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a detection parameter from its default (repeatable; the names are "
        "the fields of napari_showermask.DetectionParams, e.g. threshold=12)",
    )
    _add_workers(detect)
    return parser


def _add_workers(parser: argparse.ArgumentParser) -> None:
    """Add ``--jobs`` and ``--scheduler`` (many INPUTs) to a sub-command."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="files done at once by local processes (default: the cores)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the files on a dask.distributed cluster (tcp://host:8786); the files "
        "must be on a filesystem the workers share",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _add_output(parser: argparse.ArgumentParser, metavar: str, help: str) -> None:
    """Add ``--output/-o`` and ``--overwrite`` to a sub-command."""
    parser.add_argument("--output", "-o", metavar=metavar, help=help)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file")


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
    if args.report:
        from napari_showermask.fit.residuals import residual_report

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
        path = write_demo(args.directory)
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
    parser = _parser()
    args = parser.parse_args(argv)
    many = args.command != "demo" and (len(args.input) > 1 or args.scheduler is not None)
    if many:
        _check_many(parser, args)
    run = {"apply": _apply, "demo": _demo, "detect": _detect}[args.command]
    try:
        with interrupts_on_signals():
            if many:
                return _many(args)
            path = run(args)
    except ShowerMaskError as exc:
        print(f"showermask: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        done = "files not yet done were not written" if many else "nothing written"
        print(f"showermask: interrupted ({name}); {done}", file=sys.stderr)
        return 128 + int(signum)
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
