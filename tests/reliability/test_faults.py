"""Fault injection for training and saving: a real SIGKILL at random moments, a full disk and a
read-only folder, each followed by a resume.

After every fault:

- the folder is consistent: its state file parses and names files whose SHA-256 it recorded;
- the error, when the process lived to report one, is clear and says what happened ("No space
  left on device", "Read-only file system"), with no traceback or HDF5 noise;
- resuming ends with the weights of a run that was never interrupted, to the last bit;
- no temporary file of a killed write is left once the folder is used again.

Every training runs in a subprocess (:data:`CHILD`, through ``lsa_keras.training.train_resumable``
on an LSA of 8x8 images built with the public constructor), since only a process of its own
can be killed; each costs about 8 s of CPU here (importing TensorFlow, mostly), so the test
draws a handful of kill points, not dozens. The
full disk and the read-only folder need a tmpfs of the test's own, so they run as root only
(skipped with the reason otherwise): root ignores file permissions, so the folder is made
read-only by remounting the tmpfs, not by chmod.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.test_case import ROOT

EPOCHS = 8
# Kill points: (kind, value) drawn from one seeded generator, so CI kills at the same points
# every run. "time": seconds after the child's training began, uniform over about three epochs
# (an epoch with its checkpoint is ~0.12 s here); "write": the moment the n-th temporary
# checkpoint file of the child appears, i.e. inside that write.
_rng = random.Random(33)
KILL_POINTS = [("write", _rng.randint(1, 2)), ("time", round(_rng.uniform(0.02, 0.4), 3))]

# The child: train_resumable to EPOCHS epochs in OUT (touching STARTED when fit begins, and
# copying OUT to SNAPSHOT after epoch 2 if asked), then save the weights to WEIGHTS (.npz); with
# a pretrained folder, then calibrate and save_pretrained into it again and again (until
# killed) or once. Exit status 3 and one line "error: ..." for an OSError.
CHILD = r"""
import os, sys
out, weights, started, pretrained, repeat, snapshot = sys.argv[1:7]
import shutil

import keras
import numpy as np
from lsa_keras import LSA
from lsa_keras.training import train_resumable


def micro_lsa():
    # An LSA of 8x8 images with a 4-variable code: its checkpoints are 50 KB and it builds and
    # trains in a fraction of a second, so the child's cost is mostly importing TensorFlow.
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(4, activation="sigmoid")])
    decoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64),
                                keras.layers.Reshape((8, 8, 1))])
    estimator = keras.Sequential([keras.Input((4, 1)), keras.layers.Dense(5)])
    return LSA(encoder, decoder, estimator)


class Started(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        open(started, "w").close()

    def on_epoch_end(self, epoch, logs=None):  # after the epoch's checkpoint (callbacks run in order)
        if epoch == 1 and snapshot != "-":
            shutil.copytree(out, snapshot)


x = np.random.RandomState(0).rand(40, 8, 8, 1).astype("float32")
x_val = np.random.RandomState(1).rand(8, 8, 8, 1).astype("float32")
try:
    model, state = train_resumable(micro_lsa, x, x_val, out, EPOCHS, 20, 1e-3,
                                   {"dataset": "random"}, seed=3, verbose=0,
                                   callbacks=[Started()])
    np.savez(weights, *[keras.ops.convert_to_numpy(w) for w in model.weights])
    if pretrained != "-":
        model.calibrate(x_val)
        while True:
            model.save_pretrained(pretrained)
            if repeat != "forever":
                break
except OSError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(3)
""".replace("EPOCHS", str(EPOCHS))


def child(out, weights, started=os.devnull, pretrained="-", repeat="once", snapshot="-"):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    return subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(weights), str(started),
                             str(pretrained), repeat, str(snapshot)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=300):
    stdout, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, stderr


def completed(out, weights, **kwargs):
    status, stderr = finish(child(out, weights, **kwargs))
    assert status == 0, stderr[-3000:]
    return stderr


def wait_for(condition, proc, timeout=120.0, step=0.002):
    """Poll ``condition()`` until true; False if ``proc`` ended first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(step)
    raise AssertionError(f"nothing happened in {timeout} s")


def temporaries(folder):
    """The temporary names lsa_keras writes (``.<stem>.tmp<pid>.<suffix>``, ``.tmp-<pid>-*``)."""
    return sorted(n for n in os.listdir(folder) if n.startswith(".") and ".tmp" in n)


def assert_consistent(out):
    """The state file, when there is one, parses and names files with the SHA-256 it recorded:
    nothing under a final name is half-written."""
    path = os.path.join(out, "train_state.json")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        state = json.load(f)
    for name_key, hash_key in (("checkpoint", "checkpoint_sha256"),
                               ("best_weights", "best_weights_sha256")):
        if name_key in state:
            with open(os.path.join(out, state[name_key]), "rb") as f:
                assert hashlib.sha256(f.read()).hexdigest() == state[hash_key], state[name_key]
    return state["epoch"]


def assert_same_weights(a, b):
    with np.load(a) as x, np.load(b) as y:
        assert x.files == y.files
        for k in x.files:
            np.testing.assert_array_equal(x[k], y[k])


# TensorFlow's native start-up lines, which TF_CPP_MIN_LOG_LEVEL does not silence (the CLI
# filters them; these children are library users).
_NATIVE_LOG = re.compile(r"^(WARNING: All log messages before absl|[IWEF]\d{4} )")


def clear_one_line(stderr, says):
    lines = [line for line in stderr.splitlines() if line.strip() and not _NATIVE_LOG.match(line)]
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], stderr[-3000:]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: its weights, a copy of its folder after epoch 2, the size of one
    epoch's files, and a pretrained folder whose save_pretrained was killed (SIGKILL) while it
    staged its files."""
    root = tmp_path_factory.mktemp("reference")
    pretrained = root / "pretrained"
    proc = child(root / "run", root / "weights.npz", pretrained=pretrained, repeat="forever",
                 snapshot=root / "after-epoch-2")
    wait_for(lambda: pretrained.exists() and temporaries(pretrained), proc, timeout=300,
             step=0.001)
    proc.send_signal(signal.SIGKILL)
    status, stderr = finish(proc)
    assert status == -signal.SIGKILL, stderr[-3000:]
    assert temporaries(pretrained), "the kill missed save_pretrained's staging folder"
    size = sum(os.path.getsize(root / "run" / n) for n in os.listdir(root / "run"))
    return {"weights": root / "weights.npz", "epoch_bytes": size, "pretrained": pretrained,
            "after_epoch_2": root / "after-epoch-2"}


def test_killed_at_random_points_resumes_to_the_uninterrupted_weights(reference, tmp_path):
    """One run killed (SIGKILL) at each of KILL_POINTS in turn, each kill in a new process
    resuming the last; then resumed to the end, and saved with save_pretrained into the folder
    of a save killed midway (the reference's)."""
    out, pretrained = tmp_path / "run", tmp_path / "pretrained"
    shutil.copytree(reference["pretrained"], pretrained)
    orphans = temporaries(pretrained)
    log = []
    for i, (kind, value) in enumerate(KILL_POINTS):
        started = tmp_path / f"started-{i}"
        proc = child(out, tmp_path / "unused.npz", started=started)
        assert wait_for(started.exists, proc), finish(proc)[1][-3000:]
        if kind == "time":
            time.sleep(value)
        else:
            seen = set()

            def nth_write():
                seen.update(n for n in temporaries(out) if n.startswith(".checkpoint-"))
                return len(seen) >= value

            wait_for(nth_write, proc, step=0.001)
        proc.send_signal(signal.SIGKILL)
        status, _ = finish(proc)
        left = temporaries(out)
        log.append((kind, value, status, assert_consistent(out), left))
        if kind == "write" and status == -signal.SIGKILL:
            # Killed inside the write: its temporary is an orphan until the next run.
            assert any(n.startswith(".checkpoint-") for n in left), log
    epochs_reached = [entry[3] for entry in log]
    assert epochs_reached == sorted(epochs_reached) and epochs_reached[-1] < EPOCHS, log
    assert any(entry[4] for entry in log), f"no kill left a temporary file: {log}"
    completed(out, tmp_path / "resumed.npz", pretrained=pretrained)
    assert_same_weights(reference["weights"], tmp_path / "resumed.npz")
    assert temporaries(out) == [], "the resumed run left temporaries"
    assert orphans and temporaries(pretrained) == [], "save_pretrained left the killed one's"
    assert {"config.json", "model.weights.h5", "metadata.json"} <= set(os.listdir(pretrained))
    print("kill points (kind, value, exit status, epoch reached, temporaries left):", log)


@pytest.fixture
def tmpfs(tmp_path):
    """A tmpfs of the test's own (root only), unmounted at the end."""
    if os.geteuid() != 0:
        pytest.skip("a full disk and a read-only folder need a tmpfs of the test's own: mount "
                    "needs root, and this test runs as another user")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this system")
    folder = tmp_path / "tmpfs"
    folder.mkdir()

    def mount(*options):
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                               str(folder)], capture_output=True, text=True)
        return done

    def remount(*options):
        done = subprocess.run(["mount", "-o", ",".join(("remount", *options)), str(folder)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    mounted = []

    def mount_size(size):
        done = mount(f"size={size}")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}; a container "
                        "without CAP_SYS_ADMIN?)")
        mounted.append(folder)

    yield folder, mount_size, remount
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def resume_on_tmpfs(reference, tmpfs, size):
    """The reference run's folder after epoch 2, copied onto a new tmpfs of ``size`` bytes."""
    folder, mount, remount = tmpfs
    mount(size)
    out = folder / "run"
    shutil.copytree(reference["after_epoch_2"], out)
    assert assert_consistent(out) == 2
    return out, remount


def test_a_full_disk_then_a_read_only_folder_stop_clearly_and_the_run_resumes(reference, tmp_path,
                                                                              tmpfs):
    """A run on a tmpfs with room for its files and half an epoch's more stops at epoch 3 with
    "No space left on device" in one line, keeps epoch 2's files and leaves no temporary.
    (Issue 33: the writer segfaulted closing the HDF5 file it ran out of space writing.) Given
    room but read-only (a remount: root ignores chmod), the resume ends in one line saying
    "Read-only file system" and changes nothing. Writable again, the run resumes to the
    uninterrupted weights. (One test, so that the three runs share one tmpfs and the faults
    cost one process each.)"""
    epoch_bytes = reference["epoch_bytes"]
    out, remount = resume_on_tmpfs(reference, tmpfs, int(epoch_bytes * 1.5) // 4096 * 4096)
    status, stderr = finish(child(out, tmp_path / "unused.npz"))
    assert status == 3, f"exit status {status}: {stderr[-3000:]}"
    clear_one_line(stderr, "No space left on device")
    assert assert_consistent(out) == 2 and temporaries(out) == []

    remount("ro", f"size={epoch_bytes * 4 // 4096 * 4096}")
    before = {n: (out / n).read_bytes() for n in os.listdir(out)}
    status, stderr = finish(child(out, tmp_path / "unused.npz"))
    assert status == 3, f"exit status {status}: {stderr[-3000:]}"
    clear_one_line(stderr, "Read-only file system")
    assert {n: (out / n).read_bytes() for n in os.listdir(out)} == before

    remount("rw")
    completed(out, tmp_path / "resumed.npz")
    assert_same_weights(reference["weights"], tmp_path / "resumed.npz")
    assert temporaries(out) == []
