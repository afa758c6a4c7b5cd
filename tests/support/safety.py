"""What a file-safety test checks after each run, and the real limits it runs under.

Snapshots of a directory (every file's name and SHA-256), console scripts run under a
real ``RLIMIT_FSIZE`` (``ulimit -f``: the disk is full at that size) or ``RLIMIT_NOFILE``
(``ulimit -n``), and a TCP listener that accepts connections and never answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` (hidden ones too) and its SHA-256."""
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = Path(root) / name
            key = str(path.relative_to(directory))
            if path.is_symlink():
                found[key] = f"-> {os.readlink(path)}"
            elif stat.S_ISREG(path.lstat().st_mode):
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:  # a FIFO or a device: never opened (a FIFO would block)
                found[key] = f"special {stat.S_IFMT(path.lstat().st_mode):o}"
    return found


def resource_or_skip():
    """The ``resource`` module, or skip where there is none (Windows)."""
    return pytest.importorskip("resource", reason="POSIX resource limits")


def limited(fsize: int | None = None, nofile: int | None = None):
    """A ``preexec_fn`` that sets ``RLIMIT_FSIZE`` (bytes) and ``RLIMIT_NOFILE`` in the child."""
    resource = resource_or_skip()

    def apply() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    return apply


def run_script(name, *args, cwd=None, fsize=None, nofile=None, env=None, timeout=300):
    """Run a console script of the venv (``showermask``, ``strun``) with optional limits."""
    preexec = limited(fsize, nofile) if (fsize or nofile) else None
    return subprocess.run(
        [str(BIN / name), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        preexec_fn=preexec,
        env=env,
        timeout=timeout,
    )


def offline_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an offline ``strun``: CRDS at an empty cache, no server."""
    env = dict(os.environ)
    env.update(
        CRDS_PATH=str(tmp_path / "crds"),
        CRDS_SERVER_URL="http://127.0.0.1:9",
        STPIPE_DISABLE_CRDS_STEPPARS="True",
    )
    return env


def error_lines(text: str) -> list[str]:
    """The ERROR lines of a log (stpipe writes ``... - ERROR - message``)."""
    return [line for line in text.splitlines() if " - ERROR - " in line]


@contextlib.contextmanager
def silent_listener():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word.

    Yields its ``tcp://127.0.0.1:<port>`` address.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)  # the kernel completes the handshakes; nothing is ever read or sent
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


@contextlib.contextmanager
def read_only_directory(path: Path):
    """Make ``path`` a directory nobody may write in: mode 555, and for root (whom modes do
    not stop) a read-only bind mount of it; skips where neither can be had."""
    path.mkdir(exist_ok=True)
    path.chmod(0o555)
    mounted = False
    try:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            mounted = _mount(["--bind", str(path), str(path)])
            if not mounted or not _mount(["-o", "remount,ro,bind", str(path)]):
                pytest.skip("running as root without a read-only bind mount")
        yield path
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], capture_output=True)
        path.chmod(0o755)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: int):
    """A real tmpfs of ``size`` bytes mounted at ``path`` (a full disk); skips without one."""
    path.mkdir(exist_ok=True)
    if not _mount(["-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]):
        pytest.skip("cannot mount a tmpfs here (needs root on Linux)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _mount(args: list[str]) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return subprocess.run(["mount", *args], capture_output=True).returncode == 0
    except OSError:
        return False


def ones_complement_sum(data: bytes) -> int:
    """The 32-bit ones' complement sum of big-endian words (FITS standard, appendix J)."""
    import numpy as np

    words = np.frombuffer(data + b"\0" * (-len(data) % 4), dtype=">u4")
    total = int(words.sum(dtype=np.uint64))
    while total >> 32:
        total = (total & 0xFFFFFFFF) + (total >> 32)
    return total


def hdu_bytes(path: Path, extname: str) -> tuple[bytes, bytes]:
    """The raw header and data unit (padding included) of one HDU of a FITS file."""
    from astropy.io import fits

    with fits.open(path) as hdul:
        info = hdul[extname].fileinfo()
    raw = Path(path).read_bytes()
    return (
        raw[info["hdrLoc"] : info["datLoc"]],
        raw[info["datLoc"] : info["datLoc"] + info["datSpan"]],
    )


def whole_hdu_verifies(path: Path, extname: str) -> bool:
    """True when the HDU's header and data sum to negative zero (its CHECKSUM holds)."""
    header, data = hdu_bytes(path, extname)
    return ones_complement_sum(header + data) == 0xFFFFFFFF
