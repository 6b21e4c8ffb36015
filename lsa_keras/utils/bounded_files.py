"""Reading files that may be hostile: only regular files, only up to a size limit.

A plain ``open(path).read()`` blocks for ever on a FIFO (or a device such as a terminal), and
reads a 2 TB sparse file whole. The model folders, the zoo registry and other small files the
loaders read come from users or downloads, so they are opened here instead: non-blocking, then
checked on the open descriptor (a file swapped between a check and the open is still the file
checked), and read no further than the limit.
"""

from __future__ import annotations

import io
import json
import os
import stat
from typing import Any


def open_regular_file(path: str | os.PathLike, max_bytes: int) -> io.BufferedReader:
    """``path`` opened for binary reading once it is known to be a regular file (a symlink is
    followed) of at most ``max_bytes`` bytes.

    Raises:
        FileNotFoundError: nothing is there.
        ValueError: it is not a regular file (a folder, FIFO, socket or device) or is larger
            than ``max_bytes``.
        OSError: it cannot be opened (permissions, a loop of symlinks...).
    """
    path = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"{path} does not exist.") from e
    except IsADirectoryError as e:
        raise ValueError(f"{path} is a folder, not a file.") from e
    except OSError as e:
        raise OSError(f"{path} cannot be opened: {e.strerror or e}.") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not a regular file (a FIFO, socket, device or folder); "
                             "it is not read.")
        if info.st_size > max_bytes:
            raise ValueError(f"{path} is {info.st_size} bytes, more than the {max_bytes} bytes "
                             "allowed for it; it is not read.")
        os.set_blocking(fd, True)  # a regular file: reads never block, but keep the usual mode
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path`` (see :func:`open_regular_file`); a
    ``ValueError`` if it grows past ``max_bytes`` while it is read."""
    with open_regular_file(path, max_bytes) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{os.fspath(path)} grew past {max_bytes} bytes while it was read.")
    return data


def read_json(path: str | os.PathLike, max_bytes: int) -> Any:
    """The JSON value of the file ``path`` (at most ``max_bytes``, see :func:`read_bounded`).

    Raises:
        ValueError: not UTF-8 JSON, nested too deeply for the parser (Python's ``json`` raises
            ``RecursionError`` at about a thousand levels), or holding an integer too long to
            convert; the message names the file.
    """
    data = read_bounded(path, max_bytes)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError as e:
        raise ValueError(f"{os.fspath(path)} is nested too deeply to be read; it is corrupt or "
                         "hostile.") from e
    except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError, int's digit limit
        raise ValueError(f"{os.fspath(path)} is not valid JSON ({e}); the file is corrupt.") from e
