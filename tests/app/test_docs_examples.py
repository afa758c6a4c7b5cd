"""Every example in the README and the docs runs as written.

Each ```python, ```bash and ```console block of README.md, CONTRIBUTING.md and docs/*.md
is one test. The blocks of a page run in order in one fresh directory (a page's later
examples use the files its earlier ones wrote), with this environment's scripts first on
PATH, as after activating it. A ```console block runs each ``$ `` line and compares what it
prints with the lines below it (``...`` matches anything, as in doctest).

An HTML comment right before a block says how to run it:
``<!-- test: pipeline -->`` (needs jwst), ``<!-- test: gui -->`` (opens napari; runs
under the virtual display), ``<!-- test: skip (reason) -->`` (never run: installs
packages, runs the test suite, waits for a window to be closed). Pipeline and gui blocks
are not replayed when a later block of the page is run alone, so plain blocks must not
depend on them.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.python import ROOT

PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(
    r"^(?:<!-- test: (?P<how>[^>]*?) -->\n(?:\n)?)?"
    r"^```(?P<lang>python|bash|console)\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
MARKERS = ("pipeline", "gui", "slow")


@dataclass(frozen=True)
class Block:
    """One code block of a page."""

    page: Path
    line: int
    lang: str
    code: str
    how: str

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def replayed(self) -> bool:
        """Whether a later block of the page needs this one run first."""
        return not self.how


def blocks(page: Path) -> list[Block]:
    """The code blocks of a page, in order."""
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    return [
        Block(page, text.count("\n", 0, m.start("code")), m["lang"], m["code"], m["how"] or "")
        for m in FENCE.finditer(text)
    ]


ALL = [block for page in PAGES for block in blocks(page)]


def _param(block: Block) -> object:
    marks = [getattr(pytest.mark, m) for m in MARKERS if block.how.startswith(m)]
    if block.how.startswith("skip"):
        marks.append(pytest.mark.skip(reason=block.how.removeprefix("skip").strip(" ()")))
    return pytest.param(block, id=block.name, marks=marks)


def environment(work: Path) -> dict[str, str]:
    """This environment's scripts first on PATH and this checkout's package importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["HOME"] = str(work / "home")  # napari's settings and caches stay in the test
    # No CRDS server: step parameters from CRDS off, as docs/pipeline.md says for offline
    # machines (the step needs no reference files).
    env["CRDS_SERVER_URL"] = "https://127.0.0.1:9"
    env["CRDS_PATH"] = str(work / "crds")
    env["STPIPE_DISABLE_CRDS_STEPPARS"] = "True"
    env["COLUMNS"] = "80"  # help text wrapped as in a default terminal
    return env


def shell(command: str, work: Path) -> subprocess.CompletedProcess[str]:
    """Run shell lines with bash (stop at the first failing one) in ``work``.

    What they print to stdout and stderr comes back in order in ``stdout``, as a terminal
    shows it.
    """
    bash = shutil.which("bash") or "bash"
    argv = [bash, "-e", "-o", "pipefail", "-c", command]
    return subprocess.run(
        argv,
        cwd=work,
        env=environment(work),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )


def run_block(block: Block, work: Path) -> None:
    """Run one block in ``work``; fail with its page, line and output if it fails."""
    if block.lang == "python":
        script = work / f"example_{block.line}.py"
        script.write_text(block.code, encoding="utf-8")
        done = shell(f"{sys.executable} {script.name}", work)
        assert done.returncode == 0, f"{block.name} failed:\n{done.stdout}"
    elif block.lang == "bash":
        done = shell(block.code, work)
        assert done.returncode == 0, f"{block.name} failed:\n{done.stdout}"
    else:
        for command, expected in console_steps(block.code):
            done = shell(command, work)
            said = done.stdout
            assert done.returncode == 0, f"{block.name}: `{command}` failed:\n{said}"
            checker = doctest.OutputChecker()
            flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            assert checker.check_output(expected, said, flags), (
                f"{block.name}: `{command}` printed\n{said}\ninstead of\n{expected}"
            )


def console_steps(code: str) -> list[tuple[str, str]]:
    """``$ `` commands (with ``\\`` continuations) and the output shown below each."""
    steps: list[tuple[str, str]] = []
    lines = code.splitlines()
    while lines:
        line = lines.pop(0)
        if not line.startswith("$ "):
            raise AssertionError(f"console block line is neither a command nor output: {line}")
        command = line[2:]
        while command.endswith("\\") and lines:
            command = command[:-1] + " " + lines.pop(0).strip()
        output = []
        while lines and not lines[0].startswith("$ "):
            output.append(lines.pop(0))
        steps.append((command, "\n".join(output) + "\n" if output else ""))
    return steps


# The directory of each page, and how many of its blocks have been dealt with there.
_RUN: dict[Path, tuple[Path, int]] = {}


@pytest.mark.parametrize("block", [_param(b) for b in ALL])
def test_example_runs_as_written(block: Block, tmp_path_factory: pytest.TempPathFactory) -> None:
    earlier = [b for b in ALL if b.page == block.page and b.line < block.line]
    work, done = _RUN.pop(block.page, (None, 0))
    if work is None or any(b.replayed for b in earlier[done:]):
        work = tmp_path_factory.mktemp(block.page.stem)
        (work / "home").mkdir()
        for previous in earlier:
            if previous.replayed:
                run_block(previous, work)
    run_block(block, work)
    _RUN[block.page] = (work, len(earlier) + 1)


def test_examples_are_found() -> None:
    langs = {b.lang for b in ALL}
    assert {"python", "bash", "console"} <= langs, langs
    hows = {b.how.split(" ")[0] for b in ALL}
    assert hows <= {"", "skip", *MARKERS}, hows
    assert console_steps("$ echo a \\\n  b\na b\n$ true\n") == [
        ("echo a  b", "a b\n"),
        ("true", ""),
    ]


def test_citation_and_changelog_name_this_version() -> None:
    import napari_showermask

    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(napari_showermask.__version__)}$", citation, re.M)
    assert "cff-version: 1.2.0" in citation
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {napari_showermask.__version__}" in changelog
