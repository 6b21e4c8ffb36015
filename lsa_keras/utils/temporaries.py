"""Removing the temporary files and folders that killed writes leave behind.

Every temporary that lsa_keras writes carries the id of the process writing it:
:func:`lsa_keras.utils.atomic.write_atomically`'s ``.<stem>.tmp<pid>.<suffix>`` files (the
checkpoints' ``.checkpoint-epoch0002.tmp4242.keras``, ``.best-epoch0002.tmp4242.weights.h5``) and
``save_pretrained``'s ``.tmp-<pid>-*`` staging folders. A process killed mid-write (SIGKILL,
power loss) never removes its own; the next run in the folder removes those whose process no
longer runs, and leaves alone those of a process still writing.
"""

from __future__ import annotations

import os
import re
import shutil

# write_atomically's ``.<stem>.tmp<pid>[.<suffix>]`` and save_pretrained's ``.tmp-<pid>-<random>``.
_TEMPORARY = re.compile(r"^\.(?:[^.]+\.tmp|tmp-)(?P<pid>\d+)(?:[.-].*)?$")


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except (OverflowError, OSError):  # not a valid process id at all
        return False
    return True


def orphaned_temporaries(folder: str) -> list[str]:
    """Paths of the temporaries in ``folder`` (not below it) whose writing process no longer
    runs, sorted; none when ``folder`` does not exist."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name in names:
        match = _TEMPORARY.match(name)
        if match and not _running(int(match.group("pid"))):
            found.append(os.path.join(folder, name))
    return sorted(found)


def remove_orphaned_temporaries(folder: str) -> list[str]:
    """Delete the temporaries of killed writes in ``folder``; the paths removed.

    A temporary whose process still runs (another save in progress) is kept. Errors removing one
    (a read-only folder) are ignored: the leftovers cost space, not correctness, and the write
    that follows reports the folder's problem itself.
    """
    removed = []
    for path in orphaned_temporaries(folder):
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        except OSError:
            continue
        removed.append(path)
    return removed
