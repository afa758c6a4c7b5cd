"""The ``showermask`` command line: apply a shower catalog, write the demo, detect showers."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .errors import ShowerMaskError
from .outputs import interrupts_on_signals

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
        help="write a masked copy of a ramp, rate or rateints file",
        description="Write a masked copy of INPUT and print its path. INPUT is never changed.",
    )
    apply.add_argument("input", metavar="INPUT", type=Path, help="_jump/_ramp/_rate/_rateints")
    apply.add_argument(
        "--showers",
        type=Path,
        metavar="CATALOG",
        help="shower catalog: ECSV table or DS9 region file (.reg); "
        "default: INPUT's sidecar <stem>_showers.ecsv",
    )
    _add_output(apply, "PATH", "output file (default: <stem>_showers_masked.fits next to INPUT)")
    apply.add_argument(
        "--report",
        action="store_true",
        help="print one line per shower: its rate excess inside the ellipse and in a ring "
        "around it, before and after masking, and what to check",
    )

    demo = commands.add_parser(
        "demo",
        help="write a synthetic MIRI ramp with showers",
        description="Write a synthetic MIRI ramp with showers (and its truth catalog).",
    )
    demo.add_argument("directory", metavar="DIR", nargs="?", type=Path, default=Path("."))
    demo.add_argument("--gui", action="store_true", help="open it in napari with the widget")

    detect = commands.add_parser(
        "detect",
        help="propose candidate showers in a ramp, as an ECSV catalog",
        description="Find candidate showers in a ramp and write them as an ECSV catalog "
        "(contract columns plus score) for review; 'showermask apply' takes it.",
    )
    detect.add_argument("input", metavar="INPUT", type=Path, help="_jump or _ramp file")
    _add_output(
        detect, "CATALOG", "catalog to write (default: <stem>_candidates.ecsv next to INPUT)"
    )
    detect.add_argument(
        "--accept",
        action="store_true",
        help="write the candidates as the showers to mask: INPUT's sidecar "
        "<stem>_showers.ecsv (replaced only with --overwrite)",
    )
    return parser


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
    from .catalog import read_catalog
    from .outputs import sidecar_path
    from .products import open_product
    from .writer import write_masked

    output = _output(args)
    with open_product(args.input) as product:
        kind = product.kind
    catalog = args.showers
    if catalog is None:
        catalog = sidecar_path(args.input)
        if not catalog.is_file():
            raise ShowerMaskError(
                f"{args.input}: no --showers given and no sidecar catalog {catalog.name}"
            )
    showers = read_catalog(catalog, kind=kind)
    report = []
    if args.report:
        from .residuals import residual_report

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
    from .synthetic import write_demo

    try:
        args.directory.mkdir(parents=True, exist_ok=True)
        path = write_demo(args.directory)
    except OSError as exc:
        raise ShowerMaskError(f"{args.directory}: cannot write ({exc.strerror or exc})") from None
    if args.gui:
        print(path, flush=True)
        from ._widget import launch

        launch(str(path))
    return path


def _detect(args: argparse.Namespace) -> Path:
    from .catalog import write_catalog
    from .detection import detect_showers
    from .outputs import candidates_path, check_output, sidecar_path
    from .products import open_product

    output = _output(args)
    if output is None:
        output = sidecar_path(args.input) if args.accept else candidates_path(args.input)
    check_output(output, [args.input], args.overwrite)  # before the long work
    with open_product(args.input) as product:
        showers = detect_showers(product)
    return write_catalog(showers, output, overwrite=args.overwrite, inputs=[args.input])


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
    args = _parser().parse_args(argv)
    run = {"apply": _apply, "demo": _demo, "detect": _detect}[args.command]
    try:
        with interrupts_on_signals():
            path = run(args)
    except ShowerMaskError as exc:
        print(f"showermask: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        print(f"showermask: interrupted ({name}); nothing written", file=sys.stderr)
        return 128 + int(signum)
    if not (args.command == "demo" and args.gui):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
