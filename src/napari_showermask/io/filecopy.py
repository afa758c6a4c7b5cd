"""Copy byte ranges between files in the kernel where possible, with a portable fallback.

``os.copy_file_range``, then ``os.sendfile`` (Linux), then plain reads and writes (macOS,
Windows, filesystems that refuse): the next method takes over where one stops, and the
bytes written are the same whichever ran.
"""

from __future__ import annotations

import errno
import gzip
import os
import sys
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["copy_until", "read_at", "write_at"]

_CHUNK = 64 * 2**20
_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM}
_UNSUPPORTED |= {errno.ENOTSOCK, errno.EBADF, errno.ENOTSUP}

Done = Callable[[int], None]


def copy_until(source: BinaryIO, target: BinaryIO, end: int | None, report: Done) -> None:
    """Copy ``source`` from where it stands to byte ``end`` (None: its end) onto ``target``.

    Parameters
    ----------
    source : binary file
        A plain file or a gzip stream (positions are those of its decompressed bytes).
    target : binary file
        Written at its end; both are left positioned after the bytes copied.
    end : int or None
        Where to stop in ``source``.
    report : callable
        Called with the position reached in ``source``, now and then.

    Raises
    ------
    OSError
        ``source`` ends before ``end``.
    """
    target.flush()
    if isinstance(source, gzip.GzipFile):
        done = source.tell()
        while end is None or done < end:
            chunk = source.read(_CHUNK if end is None else min(_CHUNK, end - done))
            if not chunk:
                break
            target.write(chunk)
            done += len(chunk)
            report(done)
        if end is not None and done < end:
            raise OSError(errno.EIO, f"input ended early at byte {done}")
        return
    start = source.tell()
    end = os.fstat(source.fileno()).st_size if end is None else end
    into = target.tell()
    done = start
    for method in (_copy_file_range, _sendfile, _read_write):
        try:
            done = method(source, target, done, end, into + done - start, report)
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
            continue  # the next method takes over where this one stopped
        if done >= end:
            break
    if done < end:
        raise OSError(errno.EIO, f"input ended early at byte {done}")
    source.seek(end)
    target.seek(into + end - start)


def _copy_file_range(
    source: BinaryIO, target: BinaryIO, done: int, end: int, at: int, report: Done
) -> int:
    copy = getattr(os, "copy_file_range", None)
    if copy is None:
        return done
    while done < end:
        sent = int(copy(source.fileno(), target.fileno(), min(_CHUNK, end - done), done, at))
        if sent == 0:
            break
        done, at = done + sent, at + sent
        report(done)
    return done


def _sendfile(
    source: BinaryIO, target: BinaryIO, done: int, end: int, at: int, report: Done
) -> int:
    send = getattr(os, "sendfile", None)
    if send is None or not sys.platform.startswith("linux"):  # file to file: Linux only
        return done
    os.lseek(target.fileno(), at, os.SEEK_SET)
    while done < end:
        sent = int(send(target.fileno(), source.fileno(), done, min(_CHUNK, end - done)))
        if sent == 0:
            break
        done += sent
        report(done)
    return done


def _read_write(
    source: BinaryIO, target: BinaryIO, done: int, end: int, at: int, report: Done
) -> int:
    source.seek(done)
    target.seek(at)
    buffer = bytearray(min(_CHUNK, 8 * 2**20))
    view = memoryview(buffer)
    while done < end:
        count = source.readinto(view[: min(len(buffer), end - done)])  # type: ignore[attr-defined]
        if not count:
            break
        target.write(view[:count])
        done += count
        report(done)
    target.flush()
    return done


def read_at(handle: BinaryIO, size: int, offset: int) -> bytes:
    """Return ``size`` bytes of a file at ``offset`` (its position kept where ``pread`` is)."""
    pread = getattr(os, "pread", None)
    if pread is not None:
        return bytes(pread(handle.fileno(), size, offset))
    handle.seek(offset)
    return bytes(handle.read(size))


def write_at(handle: BinaryIO, data: bytes, offset: int) -> None:
    """Write ``data`` into a file at ``offset``."""
    pwrite = getattr(os, "pwrite", None)
    if pwrite is not None:
        pwrite(handle.fileno(), data, offset)
        return
    handle.seek(offset)
    handle.write(data)
    handle.flush()
