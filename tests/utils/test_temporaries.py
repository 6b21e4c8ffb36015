"""lsa_keras.utils.temporaries: the temporaries of killed writes go, those of live ones stay."""

import os
import subprocess
import sys

from lsa_keras.utils.atomic import write_atomically
from lsa_keras.utils.temporaries import orphaned_temporaries, remove_orphaned_temporaries


def dead_pid():
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_only_the_temporaries_of_processes_gone_are_removed(tmp_path):
    dead, alive = dead_pid(), os.getpid()
    names = {
        f".checkpoint-epoch0002.tmp{dead}.keras": True,
        f".best-epoch0002.tmp{dead}.weights.h5": True,
        f".train_state.tmp{dead}.json": True,
        f".tmp-{dead}-a1b2c3": True,  # save_pretrained's staging folder
        f".checkpoint-epoch0002.tmp{alive}.keras": False,  # being written
        f".tmp-{alive}-x9y8z7": False,
        "checkpoint-epoch0001.keras": False,  # not a temporary
        ".tmp-notapid": False,  # a name lsa_keras never writes
        ".hidden": False,
        f"x.tmp{dead}.keras": False,
    }
    for name in names:
        if name.startswith(".tmp-") and name[5:].split("-")[0].isdigit():
            (tmp_path / name).mkdir()
            (tmp_path / name / "model.weights.h5").write_bytes(b"half")
        else:
            (tmp_path / name).write_bytes(b"x")
    orphans = sorted(str(tmp_path / n) for n, gone in names.items() if gone)
    assert orphaned_temporaries(str(tmp_path)) == orphans
    assert sorted(remove_orphaned_temporaries(str(tmp_path))) == orphans
    assert sorted(os.listdir(tmp_path)) == sorted(n for n, gone in names.items() if not gone)
    assert remove_orphaned_temporaries(str(tmp_path / "missing")) == []


def test_the_names_write_atomically_uses_are_recognised(tmp_path):
    """The pattern follows write_atomically's naming: a write that fails midway in this
    process leaves nothing, and its temporary's name is one the cleaner knows."""
    seen = []

    def write(tmp):
        seen.append(os.path.basename(tmp))
        with open(tmp, "w") as f:
            f.write("partial")
        raise OSError(28, "No space left on device")

    try:
        write_atomically(str(tmp_path / "checkpoint-epoch0003.keras"), write)
    except OSError:
        pass
    assert os.listdir(tmp_path) == []
    name = seen[0].replace(str(os.getpid()), dead_pid())
    (tmp_path / name).write_bytes(b"x")
    assert remove_orphaned_temporaries(str(tmp_path)) == [str(tmp_path / name)]
