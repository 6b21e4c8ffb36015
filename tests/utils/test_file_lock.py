"""An exclusive lock between processes for read-modify-write updates (lsa_keras.utils.file_lock)."""

import os
import subprocess
import sys
import threading

from lsa_keras.utils.file_lock import locked
from tests.test_case import ROOT

# Each process adds 1 to the number in the file, 20 times, with a pause between reading and
# writing: without the lock, processes that read the same number lose each other's additions.
INCREMENT = """
import sys, time
sys.path.insert(0, {root!r})
from lsa_keras.utils.file_lock import locked
path = sys.argv[1]
for _ in range(20):
    with locked(path):
        with open(path) as f:
            n = int(f.read())
        time.sleep(0.002)
        with open(path, "w") as f:
            f.write(str(n + 1))
"""


def test_processes_updating_one_file_keep_every_update(tmp_path):
    path = tmp_path / "count.txt"
    path.write_text("0")
    code = INCREMENT.format(root=ROOT)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)]) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 4
    assert path.read_text() == "80"
    assert sorted(os.listdir(tmp_path)) == [".count.txt.lock", "count.txt"]


def test_threads_are_serialised_too(tmp_path):
    path, count = tmp_path / "count.txt", []

    def add():
        for _ in range(50):
            with locked(path):
                n = len(count)
                threading.Event().wait(0.0001)
                count.append(n)

    threads = [threading.Thread(target=add) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count == list(range(200))  # no two threads read the same length


def test_the_lock_is_released_when_the_block_fails(tmp_path):
    path = tmp_path / "file.json"
    try:
        with locked(path):
            raise KeyError("inside")
    except KeyError:
        pass

    def take():
        with locked(path):
            pass

    other = threading.Thread(target=take, daemon=True)  # waits while the lock is held
    other.start()
    other.join(timeout=30)
    assert not other.is_alive()
