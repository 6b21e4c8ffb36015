"""Atomic file writes: write a temporary sibling, then move it into place.

An interrupted or failed write (a kill, a full disk, a read-only folder) never leaves a
half-written file under the final name, nor the temporary file.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Callable


def write_atomically(path: str, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)``, then replace ``path`` with it.

    The temporary name keeps ``path``'s full suffix (``x.tmp.weights.h5`` for
    ``x.weights.h5``), because Keras' savers check the extension. A symbolic link is written
    through (the file it names is replaced, the link kept). A ``path`` that exists and is no
    regular file (``/dev/stdout``, a named pipe) is written directly: replacing it would put a
    file in place of the device.
    """
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        write(path)
        return
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    stem, dot, suffix = name.partition(".")
    tmp = os.path.join(folder, f".{stem}.tmp{os.getpid()}{dot}{suffix}")
    _check_room(write, folder, path)
    previous_hook = sys.unraisablehook

    def hook(unraisable):
        # HDF5 objects of a failed write that are freed while its error propagates fail to
        # flush again and would print "Exception ignored" tracebacks naming the temporary
        # file: that error is the one being raised.
        if tmp not in str(unraisable.exc_value):
            previous_hook(unraisable)

    sys.unraisablehook = hook
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        _close_hdf5_files(tmp)
        raise
    finally:
        sys.unraisablehook = previous_hook
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`write_atomically`."""
    def write(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    write_atomically(path, write)


def _check_room(write: Callable, folder: str, path: str) -> None:
    """Refuse to start a Keras ``save_weights`` (HDF5) that the disk has no room for.

    HDF5 does not survive running out of space in the middle of a write: the half-written
    file can be neither flushed nor closed, and closing it (or the interpreter's exit, which
    closes it) crashes the process with a segmentation fault. So a weights file is written only
    when the free space holds the weights and HDF5's overhead; other writers fail cleanly with
    ``ENOSPC`` and are not checked.
    """
    owner = getattr(write, "__self__", None)
    if getattr(write, "__name__", "") != "save_weights" or owner is None:
        return
    try:
        import numpy as np

        variables = list(owner.weights)
        needed = sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)
        stats = os.statvfs(folder)
    except (AttributeError, TypeError, ValueError, OSError):  # not a Keras model, or no statvfs
        return
    # HDF5 writes about 2 KB of metadata per variable (4 KB allowed) and a few KB per file.
    needed += 4096 * len(variables) + 2**14
    free = stats.f_bavail * stats.f_frsize
    if free < needed:
        raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)}: writing {path} needs about "
                      f"{needed / 1e6:.1f} MB, {free / 1e6:.1f} MB are free")


def _close_hdf5_files(path: str) -> None:
    """Close the HDF5 files still open on ``path`` after a failed write.

    Keras' weight savers leave their ``h5py.File`` open when a write fails (no space left on
    the device): it is closed only when the garbage collector frees it, often at interpreter
    exit, where HDF5's flush of the half-written file fails again, prints "Exception ignored"
    tracebacks and can crash the process (exit 139). Closing it while the disk is still full
    crashes the same way inside HDF5. So the file is first emptied (its open descriptor then
    holds no space, and the metadata HDF5 flushes on closing fits), then closed here, while the
    interpreter is whole: the failed write ends with just the error that caused it.
    """
    h5py = sys.modules.get("h5py")
    if h5py is None:  # nothing wrote HDF5
        return
    try:
        open_files = h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE)
    except Exception:  # noqa: BLE001 (best effort: the write's own error is the one to report)
        return
    open_files = [fid for fid in open_files if _names(fid, path)]
    if not open_files:
        return
    try:
        os.truncate(path, 0)
    except OSError:
        pass
    for fid in open_files:
        try:
            h5py.File(fid).close()
        except Exception:  # noqa: BLE001 (the write's own error is the one to report)
            pass


def _names(fid, path: str) -> bool:
    try:
        return os.path.abspath(os.fsdecode(fid.name)) == path
    except Exception:  # noqa: BLE001 (an id closed meanwhile)
        return False
