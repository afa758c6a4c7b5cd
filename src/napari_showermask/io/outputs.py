"""Where outputs go and how they appear: sidecar names, output checks, atomic publishing.

Every file this package writes (masked products, catalogs) goes through `atomic_output`:
the bytes are written to a temporary file in the output's own directory (so the final
rename never crosses filesystems) and published only when complete. Without ``overwrite``
the file is published with an exclusive hard link, so of two runs racing for the same new
name exactly one wins. The temporary file is unnamed where the operating system offers
that (Linux ``O_TMPFILE``): a killed process leaves nothing. Elsewhere it is a hidden
``.<name>.<host>-<pid>.<random>.showermask-part`` file, removed on errors, on Ctrl-C and,
under `interrupts_on_signals`, on SIGTERM and SIGHUP; one left by a killed process is
removed by the next write into that directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from napari_showermask.core.errors import ShowerMaskError

__all__ = [
    "Interrupted",
    "atomic_output",
    "candidates_path",
    "check_output",
    "interrupts_on_signals",
    "remove_stale_parts",
    "same_file",
    "sidecar_path",
]

PART_SUFFIX = ".showermask-part"
_MODE = 0o644


def _beside(product_path: str | os.PathLike[str], suffix: str) -> Path:
    from napari_showermask.core.products import stem

    path = Path(product_path)
    return path.with_name(f"{stem(path)}{suffix}")


def sidecar_path(product_path: str | os.PathLike[str]) -> Path:
    """Return a product's sidecar catalog, ``<dir>/<stem>_showers.ecsv``: the showers to mask.

    Parameters
    ----------
    product_path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    return _beside(product_path, "_showers.ecsv")


def candidates_path(product_path: str | os.PathLike[str]) -> Path:
    """Return a product's detector catalog, ``<dir>/<stem>_candidates.ecsv``.

    Parameters
    ----------
    product_path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    return _beside(product_path, "_candidates.ecsv")


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Tell whether two paths name the same file (symlinks, ``..`` and hard links count).

    Parameters
    ----------
    a, b : str or path-like

    Returns
    -------
    bool
    """
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist: compare where they would be
        return Path(os.path.realpath(a)) == Path(os.path.realpath(b))


def check_output(
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Path:
    """Check that a file may be written at ``output``, before any long work starts.

    Parameters
    ----------
    output : str or path-like
    inputs : iterable of str or path-like
        Files the command reads; the output may be none of them, even with ``overwrite``.
    overwrite : bool
        Whether an existing output may be replaced.

    Returns
    -------
    pathlib.Path
        ``output`` as a path.

    Raises
    ------
    ShowerMaskError
        The path is empty or a directory, is one of the inputs, exists (without
        ``overwrite``), or its directory is missing or not writable.
    """
    if not str(output).strip():
        raise ShowerMaskError("output path is empty; give a file name")
    output = Path(output)
    for source in inputs:
        if same_file(output, source):
            raise ShowerMaskError(
                f"{output}: is an input of this command ({source}); choose another output"
            )
    if output.is_dir():
        raise ShowerMaskError(f"{output}: is a directory; give a file name")
    if (output.exists() or output.is_symlink()) and not overwrite:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)")
    parent = output.parent
    if not parent.is_dir():
        raise ShowerMaskError(f"{output}: cannot write (no directory {parent})")
    try:  # the one reliable test of writability (permissions, read-only mounts, ACLs)
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".showermask-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write in {parent} ({_reason(exc)})") from None
    return output


@contextlib.contextmanager
def atomic_output(
    output: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Iterator[BinaryIO]:
    """Write a file that appears at ``output`` only once it is complete.

    Parameters
    ----------
    output : str or path-like
    inputs : iterable of str or path-like
        Files that the output may not be (see `check_output`).
    overwrite : bool
        Replace an existing output (atomically); otherwise an existing output, also one
        created meanwhile by another process, is an error and is left alone.

    Yields
    ------
    file object
        Opened for binary reading and writing, positioned at 0; its ``name`` may be a
        file descriptor number rather than a path.

    Raises
    ------
    ShowerMaskError
        See `check_output`; also when writing fails. Messages name ``output``, never the
        temporary file.
    """
    output = check_output(output, list(inputs), overwrite)
    remove_stale_parts(output.parent)
    handle, name = _temporary(output)
    try:
        with handle:
            yield handle
            handle.flush()
            _publish(handle, name, output, overwrite)
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({_reason(exc)})") from None
    finally:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _temporary(output: Path) -> tuple[BinaryIO, str | None]:
    """Open an unnamed temporary file beside ``output`` if possible, else a hidden one."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(output.parent, flag | os.O_RDWR, _MODE)
        except OSError:
            pass  # not supported by this filesystem
        else:
            return os.fdopen(fd, "w+b"), None
    try:
        fd, name = tempfile.mkstemp(
            dir=output.parent, prefix=_part_prefix(output), suffix=PART_SUFFIX
        )
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write ({_reason(exc)})") from None
    with contextlib.suppress(OSError):
        os.chmod(name, _MODE)
    return os.fdopen(fd, "w+b"), name


def _part_prefix(output: Path) -> str:
    return f".{output.name}.{_host()}-{os.getpid()}."


def _host() -> str:
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname()) or "host"


def _publish(handle: BinaryIO, name: str | None, output: Path, overwrite: bool) -> None:
    """Give the finished temporary file its final name."""
    if name is None:  # unnamed: link it in, under a temporary name first if replacing
        source = f"/proc/self/fd/{handle.fileno()}"
        if not overwrite:
            _link_exclusive(source, output, handle.fileno())
            return
        named = output.with_name(f"{_part_prefix(output)}{secrets.token_hex(4)}{PART_SUFFIX}")
        _link(source, named, handle.fileno())
        try:
            os.replace(named, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(named)
            raise
    elif overwrite:
        os.replace(name, output)
    else:
        _link_exclusive(name, output)


def _link(source: str, target: str | Path, fd: int | None = None) -> None:
    """Hard-link; an unnamed file is linked through its ``/proc/self/fd`` entry.

    That needs ``linkat(..., AT_SYMLINK_FOLLOW)``, which `os.link` uses only when given a
    directory descriptor (ignored for the absolute source path).
    """
    if fd is None:
        os.link(source, target)
    else:
        os.link(source, target, src_dir_fd=fd, follow_symlinks=True)


def _link_exclusive(source: str, output: Path, fd: int | None = None) -> None:
    """Create ``output`` as a new name of ``source``, failing if it exists."""
    try:
        _link(source, output, fd)
    except FileExistsError:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)") from None
    except OSError as exc:
        if exc.errno not in (
            errno.EPERM,
            errno.EOPNOTSUPP,
            errno.EMLINK,
            errno.ENOSYS,
            errno.EXDEV,
        ):
            raise
        if source.startswith("/proc/"):
            raise
        _reserve_and_replace(source, output)


def _reserve_and_replace(source: str, output: Path) -> None:
    """Publish on filesystems without hard links: reserve the name exclusively, then replace."""
    try:
        os.close(os.open(output, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _MODE))
    except FileExistsError:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)") from None
    try:
        os.replace(source, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(output)
        raise


def remove_stale_parts(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files that killed writers of this host left in ``directory``.

    A part file is stale when the process named in it no longer runs on this host (on
    Windows, when it can be deleted: a running writer holds it open).

    Parameters
    ----------
    directory : str or path-like

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    removed: list[Path] = []
    host = _host()
    try:
        entries = list(os.scandir(os.fspath(directory)))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX)):
            continue
        owner = entry.name[: -len(PART_SUFFIX)].rsplit(".", 2)
        if len(owner) != 3 or "-" not in owner[1]:
            continue
        who, _, pid = owner[1].rpartition("-")
        if who != host or not pid.isdigit() or _running(int(pid)):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return False  # deleting a file that a running writer holds open fails there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when the process gets SIGTERM or SIGHUP.

    A `KeyboardInterrupt`, so the cleanup that Ctrl-C runs also runs for these signals.

    Parameters
    ----------
    signum : int
        The signal received.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def interrupts_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Interrupted` while the block runs.

    Batch schedulers, ``timeout`` and a closed terminal send these; without this, Python
    dies at once and ``finally`` blocks (which remove temporary files) never run. Does
    nothing outside the main thread; SIGHUP exists only on POSIX systems.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]

    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
