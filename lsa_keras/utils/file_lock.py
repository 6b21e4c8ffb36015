"""An exclusive lock on a file, between processes (and threads), for read-modify-write updates.

Several jobs of a cluster that update one file (the zoo's preset file: ``lsa-keras zoo build
--shard``) each read it, change their part and write it back; without a lock two such updates
at once keep only one of them. :func:`locked` serialises them on a lock file beside it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

# POSIX record locks belong to the process: threads of one process need their own lock too.
_THREAD_LOCK = threading.RLock()


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock for ``path`` while the block runs.

    The lock is a POSIX record lock (``fcntl.lockf``) on ``.<name>.lock`` beside ``path``
    (``.presets.json.lock`` for ``presets.json``). It works across the machines of a network
    file system that supports locking (NFS with its lock service), and the system releases
    it when its process ends, so a killed job never leaves the file locked. The lock file is
    left in place (empty). On Windows it is an ``msvcrt`` lock on the same file.

    Args:
        path: the file to update (it need not exist yet).

    Raises:
        OSError: the lock file cannot be created (a read-only folder).
    """
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    lock_path = os.path.join(folder, f".{name}.lock")
    with _THREAD_LOCK:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _lock(fd)
            try:
                yield
            finally:
                _unlock(fd)
        finally:
            os.close(fd)


try:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_EX)  # waits for the holder

    def _unlock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN)

except ImportError:  # Windows
    import msvcrt

    def _lock(fd: int) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(0.05)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


__all__ = ["locked"]
