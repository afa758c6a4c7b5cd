"""Where outputs go: sidecar and candidate catalog names, and the checks before writing."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from napari_showermask.core.errors import ShowerMaskError, os_reason
from napari_showermask.io.owners import PART_SUFFIX, host_name

__all__ = [
    "candidates_path",
    "check_output",
    "refuse_inputs",
    "refuse_special",
    "same_file",
    "sidecar_path",
]


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


_SPECIAL = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def refuse_special(output: str | os.PathLike[str]) -> None:
    """Refuse an output that exists and is not a regular file (through any symlinks).

    A device, FIFO or socket is never replaced by a file, ``--overwrite`` or not (as
    root, replacing ``/dev/null`` would break the system).

    Parameters
    ----------
    output : str or path-like

    Raises
    ------
    ShowerMaskError
    """
    try:
        mode = os.stat(output).st_mode
    except OSError:
        return  # a new name (or a dangling link: a new file then)
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        what = _SPECIAL.get(stat.S_IFMT(mode), "a special file")
        raise ShowerMaskError(
            f"{output}: is not a regular file ({what}); outputs are regular files or new names"
        )


def refuse_inputs(output: Path, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Raise `ShowerMaskError` if ``output`` names one of ``inputs`` (see `same_file`).

    Parameters
    ----------
    output : pathlib.Path
    inputs : iterable of str or path-like
    """
    for source in inputs:
        if same_file(output, source):
            raise ShowerMaskError(
                f"{output}: is an input of this command ({source}); choose another output"
            )


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
    refuse_inputs(output, inputs)
    if output.is_dir():
        raise ShowerMaskError(f"{output}: is a directory; give a file name")
    refuse_special(output)
    if (output.exists() or output.is_symlink()) and not overwrite:
        raise ShowerMaskError(f"{output}: exists (use --overwrite to replace it)")
    parent = output.parent
    if not parent.is_dir():
        raise ShowerMaskError(f"{output}: cannot write (no directory {parent})")
    try:  # the one reliable test of writability (permissions, read-only mounts, ACLs)
        _probe(parent)
    except OSError as exc:
        raise ShowerMaskError(f"{output}: cannot write in {parent} ({os_reason(exc)})") from None
    return output


def _probe(directory: Path) -> None:
    """Create a file in ``directory`` and remove it; raise `OSError` if that fails.

    Unnamed where the system has them (Linux ``O_TMPFILE``): nothing is left whenever the
    process is killed. Elsewhere a hidden part file, removed also on Ctrl-C, and named as
    the temporary files of publishing are, so that the next run removes it if a SIGKILL
    left it (`napari_showermask.io.owners.remove_stale_parts`).
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None:
        try:
            os.close(os.open(directory, flag | os.O_RDWR, 0o600))
            return
        except OSError as exc:  # only a filesystem or kernel without it is not an answer
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    prefix = f".showermask-probe.{host_name()}-{os.getpid()}."
    fd, probe = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=PART_SUFFIX)
    try:
        os.close(fd)
    finally:
        os.unlink(probe)
