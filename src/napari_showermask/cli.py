"""The ``showermask`` command line: apply a shower catalog, write the demo, detect showers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .errors import ShowerMaskError

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
        required=True,
        type=Path,
        metavar="CATALOG",
        help="shower catalog: ECSV table or DS9 region file (.reg)",
    )
    _add_output(apply, "PATH", "output file (default: <stem>_showers_masked.fits next to INPUT)")

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
        "(contract columns plus score) that 'showermask apply' takes.",
    )
    detect.add_argument("input", metavar="INPUT", type=Path, help="_jump or _ramp file")
    _add_output(detect, "CATALOG", "catalog to write (default: <stem>_showers.ecsv next to INPUT)")
    return parser


def _add_output(parser: argparse.ArgumentParser, metavar: str, help: str) -> None:
    """Add ``--output/-o`` and ``--overwrite`` to a sub-command."""
    parser.add_argument("--output", "-o", type=Path, metavar=metavar, help=help)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file")


def _apply(args: argparse.Namespace) -> Path:
    from .catalog import read_catalog
    from .writer import write_masked

    showers = read_catalog(args.showers)
    return write_masked(
        args.input, showers, args.output, overwrite=args.overwrite, catalog_name=args.showers
    )


def _demo(args: argparse.Namespace) -> Path:
    if not args.directory.is_dir():
        raise ShowerMaskError(f"{args.directory}: no such directory")
    from .synthetic import write_demo

    try:
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
    from .products import open_product, stem

    output = args.output or args.input.with_name(f"{stem(args.input)}_showers.ecsv")
    if output.exists() and not args.overwrite:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)")
    with open_product(args.input) as product:
        showers = detect_showers(product)
    return write_catalog(showers, output, overwrite=args.overwrite)


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
        path = run(args)
    except ShowerMaskError as exc:
        print(f"showermask: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("showermask: interrupted; nothing written", file=sys.stderr)
        return 130
    if not (args.command == "demo" and args.gui):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
