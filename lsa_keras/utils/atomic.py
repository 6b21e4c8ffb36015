"""Atomic file writes: write a temporary sibling, then move it into place.

An interrupted write never leaves a half-written file under the final name.
"""

import os


def write_atomically(path, write):
    """Call ``write(tmp_path)``, then replace ``path`` with it.

    The temporary name keeps ``path``'s full suffix (``x.tmp.weights.h5`` for
    ``x.weights.h5``), because Keras' savers check the extension.
    """
    folder, name = os.path.split(os.path.abspath(path))
    stem, dot, suffix = name.partition(".")
    tmp = os.path.join(folder, f".{stem}.tmp{os.getpid()}{dot}{suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomically(path, text):
    def write(tmp):
        with open(tmp, "w") as f:
            f.write(text)
    write_atomically(path, write)
