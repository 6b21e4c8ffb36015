"""Atomic file writes: write a temporary sibling, then move it into place.

An interrupted or failed write (a kill, a full disk, a read-only folder) never leaves a
half-written file under the final name, nor the temporary file.
"""

from __future__ import annotations

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
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        _close_hdf5_files(tmp)
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`write_atomically`."""
    def write(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    write_atomically(path, write)


def _close_hdf5_files(path: str) -> None:
    """Close the HDF5 files still open on ``path`` after a failed write.

    Keras' weight savers leave their ``h5py.File`` open when a write fails (no space left on
    the device): it is closed only when the garbage collector frees it, often at interpreter
    exit, where HDF5's flush of the half-written file fails again, prints "Exception ignored"
    tracebacks and can crash the process (exit 139). Closing it here, while the interpreter
    is whole, ends the failed write with just the error that caused it.
    """
    h5py = sys.modules.get("h5py")
    if h5py is None:  # nothing wrote HDF5
        return
    try:
        open_files = h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE)
    except Exception:  # noqa: BLE001 (best effort: the write's own error is the one to report)
        return
    hook = sys.unraisablehook
    # The flush of a half-written file fails again while closing; its error is the one
    # already being raised, so it is not printed a second time.
    sys.unraisablehook = lambda unraisable: None
    try:
        for fid in open_files:
            try:
                if os.path.abspath(os.fsdecode(fid.name)) == path:
                    h5py.File(fid).close()
            except Exception:  # noqa: BLE001
                pass
    finally:
        sys.unraisablehook = hook
