"""The ``showermask`` command line's arguments, help texts and one-line usage errors.

A mistyped command or option is answered with the nearest one (``showermask aply`` says
``did you mean 'apply'?``), in the same one-line ``showermask: error:`` form as every
other error, with exit status 2.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NoReturn

from napari_showermask import __version__

__all__ = ["COMMANDS", "parse"]

COMMANDS = ("apply", "demo", "detect")

DESCRIPTION = """\
Mask cosmic-ray showers in JWST MIRI exposures. Each shower is an ellipse and the group
it starts in; its pixels get JUMP_DET from that group to the end of its integration
(DO_NOT_USE too where fewer than two good groups come before), so ramp fitting leaves
the shower's glow out of the slope. Rate and rateints files get DO_NOT_USE | JUMP_DET.
The result is a copy, <stem>_showers_masked.fits; the input is never changed."""

EXAMPLES = """\
examples:
  showermask demo demo/                 write a synthetic ramp with showers
  showermask detect x_jump.fits         propose showers: x_jump_candidates.ecsv
  showermask apply x_jump.fits --showers x_jump_candidates.ecsv
  showermask apply *_jump.fits          each file with its own x_jump_showers.ecsv

A shower catalog is an ECSV or CSV table with the columns integration, group, x, y,
semi_major, semi_minor, theta (0-based pixels; theta in degrees from +x), or a DS9
region file (.reg) whose regions carry tag={integration=N} tag={group=N}."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are the one-line ``showermask: error:`` form."""

    known_options: Iterable[str] = ()

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"showermask: error: {message}{self.hint(message)} (see showermask --help)\n")

    def hint(self, message: str) -> str:
        """Say which option a mistyped one most likely was."""
        if not message.startswith("unrecognized arguments: "):
            return ""
        for word in message.split(": ", 1)[1].split():
            if word.startswith("--"):
                near = difflib.get_close_matches(word.split("=")[0], self.known_options, n=1)
                if near:
                    return f"; did you mean {near[0]}?"
        return ""


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """Parse the command line; a usage error exits 2 after one line on stderr.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    tuple of (argparse.ArgumentParser, argparse.Namespace)
    """
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in argv if not word.startswith("-")), None)
    if command is not None and command not in COMMANDS:
        near = difflib.get_close_matches(command, COMMANDS, n=1, cutoff=0.5)
        hint = f"did you mean {near[0]!r}?" if near else f"choose from {', '.join(COMMANDS)}"
        parser.error(f"no command {command!r}; {hint}")
    return parser, parser.parse_args(argv)


def _parser() -> _Parser:
    parser = _Parser(
        prog="showermask",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"showermask {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    apply = commands.add_parser(
        "apply",
        help="write a masked copy of ramp, rate or rateints files",
        description="Write a masked copy of each INPUT, <stem>_showers_masked.fits beside it, "
        "and print its path. INPUT is never changed. Each INPUT takes the showers in its "
        "<stem>_showers.ecsv (what you marked or accepted in napari, or 'detect --accept' "
        "wrote) unless --showers names a catalog. With several INPUTs a bad file gets its "
        "error line, the others are still done, and the exit status is 2.",
    )
    apply.add_argument(
        "input",
        metavar="INPUT",
        type=Path,
        nargs="+",
        help="a _jump or _ramp file, or a _rate or _rateints file",
    )
    apply.add_argument(
        "--showers",
        type=Path,
        metavar="CATALOG",
        help="the showers to mask: an ECSV or CSV table or a DS9 region file (.reg); one "
        "INPUT only (default: INPUT's <stem>_showers.ecsv)",
    )
    _add_output(apply, "PATH", "masked file to write, one INPUT only")
    apply.add_argument(
        "--report",
        action="store_true",
        help="also print one line per shower: how much brighter the fitted rate is inside "
        "its ellipse and in a ring around it, before and after masking, and what to check "
        "(one INPUT only)",
    )
    _add_workers(apply)

    demo = commands.add_parser(
        "demo",
        help="write a synthetic MIRI ramp with showers, to try the tools on",
        description="Write a synthetic MIRI ramp with showers, miri_showers_demo_jump.fits, "
        "and the catalog of its showers, miri_showers_demo_truth.ecsv, into DIR; print the "
        "ramp's path. Files there already are replaced only with --overwrite.",
    )
    demo.add_argument(
        "directory",
        metavar="DIR",
        nargs="?",
        type=Path,
        default=Path("."),
        help="where to write (made if missing; default: the current directory)",
    )
    demo.add_argument(
        "--overwrite", action="store_true", help="replace the demo files written before"
    )
    demo.add_argument("--gui", action="store_true", help="open it in napari with the widget")

    detect = commands.add_parser(
        "detect",
        help="propose candidate showers in ramps, for review",
        description="Find candidate showers in each ramp and write them, with a score, to "
        "<stem>_candidates.ecsv beside it. Review them in napari (or any table editor) and "
        "keep the real ones in <stem>_showers.ecsv, the catalog 'showermask apply' uses; "
        "--accept writes them there straight away. A bad file gets its error line, the "
        "others are still done, and the exit status is 2.",
    )
    detect.add_argument(
        "input", metavar="INPUT", type=Path, nargs="+", help="a _jump or _ramp file"
    )
    _add_output(detect, "CATALOG", "catalog to write, one INPUT only")
    detect.add_argument(
        "--accept",
        action="store_true",
        help="write the candidates as the showers to mask, into INPUT's <stem>_showers.ecsv "
        "(replaced only with --overwrite)",
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
    helps = "".join(sub.format_help() for sub in (apply, demo, detect))
    parser.known_options = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helps)))
    return parser


def _add_workers(parser: argparse.ArgumentParser) -> None:
    """Add ``--jobs`` and ``--scheduler`` (many INPUTs) to a command."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="files done at once by local processes (default: the number of cores)",
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
    """Add ``--output/-o`` and ``--overwrite`` to a command."""
    default = "<stem>_showers_masked.fits" if metavar == "PATH" else "<stem>_candidates.ecsv"
    parser.add_argument("--output", "-o", metavar=metavar, help=f"{help} (default: {default})")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
