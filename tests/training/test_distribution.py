"""Data-parallel training (lsa_keras.training.distribution, LSA's train_step under it).

The runs that need several devices or workers set them up before their backend starts, so
each is a process of its own (tests/training/distributed_runs.py); they train a small LSA
a few SGD steps on the same global batches (16 images, and under TensorFlow a last batch of
one, which leaves the second replica none), on one device and over two, and the tests compare
the logged losses (each step's running epoch means) and the trainable weights. What they
expect:

- JAX ``DataParallel``: the step is one computation over the global batch, sharded by XLA;
  batch normalisation sees the whole batch. Only the order of floating-point sums differs
  from one device: losses within ``rtol=1e-5``, weights within ``atol=1e-5`` (seen: about
  1e-7; a gradient summed over the two replicas instead of averaged moves the weights by
  about 1e-2).
- TensorFlow ``MirroredStrategy`` over two logical CPU devices: Keras normalises each
  replica's 8 images with their own statistics unless a BatchNormalization layer is
  ``synchronized`` (as Keras documents). With synchronized layers the run is the one-device
  run up to summation order and the one-pass variance of synchronized statistics: the same
  tolerances as JAX. With Keras' default, the first step's loss is exactly the mean of the two
  half batches' losses on one device (``rtol=1e-6``), and the run stays within ``rtol=1e-2``
  of the one-device losses (seen: a few 1e-3).
- Two ``MultiWorkerMirroredStrategy`` workers on 127.0.0.1 apply the same all-reduced
  gradients: their trainable weights agree (``atol=1e-6``, seen: equal) and so do their logs.
  Their batch-normalisation moving statistics are each replica's own (Keras creates them
  unaggregated), so they differ: the chief's are the ones saved.
"""

import json
import os
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest

from lsa_keras.training import distribution as dist
from tests.test_case import ROOT, lsa_keras_main, ok

TIMEOUT = 300


def _start(scenario, prefix, env=None):
    # A cluster named by the environment the tests run in is not the run's.
    base = {k: v for k, v in os.environ.items()
            if k != dist.TF_CONFIG_ENV and not k.startswith("KERAS_DISTRIBUTION_")}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.training.distributed_runs", scenario, str(prefix)],
        cwd=ROOT, env={**base, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(proc, prefix):
    try:
        output, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, output[-6000:]
    with open(f"{prefix}.json") as f:
        runs = json.load(f)
    weights = np.load(f"{prefix}.npz")
    for name in runs:
        runs[name]["weights"] = weights[name]
    return runs


def _losses(run):
    return np.array([[step[k] for k in ("loss", "rec", "llk")] for step in run["steps"]])


def _assert_follows(run, reference, steps, rtol=1e-5, atol=1e-5):
    assert len(run["steps"]) == len(reference["steps"]) == steps
    np.testing.assert_allclose(_losses(run), _losses(reference), rtol=rtol)
    # The epoch's logs are the trackers read across replicas: the global-batch means.
    np.testing.assert_allclose([run["epoch"][k] for k in ("loss", "rec", "llk")],
                               _losses(reference)[-1], rtol=rtol)
    np.testing.assert_allclose(run["weights"], reference["weights"], rtol=0, atol=atol)


def test_tensorflow_mirrored_strategy_follows_one_device(tmp_path):
    runs = _finish(_start("tensorflow-mirrored", tmp_path / "run"), tmp_path / "run")
    # Batches of 16, 16, 16 and 1 images: the last one all on the first replica.
    _assert_follows(runs["synchronized"], runs["one_device"], steps=4)
    per_replica = runs["per_replica"]
    assert per_replica["steps"][0]["loss"] == pytest.approx(runs["halves"]["first_loss"],
                                                            rel=1e-6)
    assert per_replica["steps"][0]["loss"] != pytest.approx(
        runs["one_device"]["steps"][0]["loss"], rel=1e-6)  # statistics of 8 images, not 16
    np.testing.assert_allclose(_losses(per_replica), _losses(runs["one_device"]), rtol=1e-2)


def test_jax_data_parallel_follows_one_device(tmp_path):
    runs = _finish(_start("jax-data-parallel", tmp_path / "run"), tmp_path / "run")
    # train_resumable over two devices: 49 images walked as 48 (batches 16, 16, 16).
    assert runs["data_parallel"]["steps_per_epoch"] == 3
    _assert_follows(runs["data_parallel"], runs["one_device"], steps=3)


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_two_workers_train_the_same_weights(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    procs = []
    try:
        for i in range(2):
            config = {"cluster": cluster, "task": {"type": "worker", "index": i}}
            procs.append(_start("tensorflow-worker", tmp_path / f"worker{i}",
                                {"TF_CONFIG": json.dumps(config), "RUN_DIR": str(tmp_path)}))
        chief, other = (_finish(p, tmp_path / f"worker{i}")["worker"]
                        for i, p in enumerate(procs))
    finally:
        for p in procs:
            p.kill()
    assert (chief["chief"], chief["index"], other["chief"], other["index"]) == (True, 0, False, 1)
    assert chief["replicas"] == other["replicas"] == 2
    np.testing.assert_allclose(chief["weights"], other["weights"], rtol=0, atol=1e-6)
    assert chief["steps"] == other["steps"] and len(chief["steps"]) == 3
    # The chief writes the run folder; the other worker keeps its own copy beside it.
    assert os.path.isfile(tmp_path / "train_state.json")
    assert os.path.isfile(tmp_path / "worker-1" / "train_state.json")


def test_data_parallel_is_the_backends_own_distribution(monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv(dist.TF_CONFIG_ENV, raising=False)
    distribution = dist.data_parallel()
    assert isinstance(distribution, tf.distribute.MirroredStrategy)
    assert dist.replica_count(distribution) == len(tf.config.list_logical_devices("CPU"))
    assert dist.is_chief(distribution) and dist.worker_index(distribution) == 0
    with pytest.raises(ValueError, match="devices cannot be given with several workers"):
        dist.data_parallel(["/cpu:0"], multi_worker=True)
    with pytest.raises(ValueError, match="devices is empty"):
        dist.data_parallel([])


def test_worker_count_reads_tf_config(monkeypatch):
    monkeypatch.delenv(dist.TF_CONFIG_ENV, raising=False)
    assert dist.worker_count() == 1
    cluster = {"chief": ["a:1"], "worker": ["b:1", "c:1"], "ps": ["d:1"]}
    monkeypatch.setenv(dist.TF_CONFIG_ENV, json.dumps({"cluster": cluster}))
    assert dist.worker_count() == 3
    monkeypatch.setenv(dist.TF_CONFIG_ENV, "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not a JSON object"):
        dist.worker_count()


def test_torch_is_refused_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    with pytest.raises(NotImplementedError, match="tensorflow and jax backends, not on torch"):
        dist.data_parallel()
    proc = lsa_keras_main("train", "--distribute", "--dataset", "mnist-sample",
                          "--normal-class", "0", "--out", tmp_path / "run")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("lsa-keras train: error: --distribute: data-parallel")
    assert not os.path.exists(tmp_path / "run")


def test_train_distribute_hands_the_distribution_to_the_training_flow(monkeypatch, tmp_path):
    import tensorflow as tf

    import lsa_keras.training

    monkeypatch.delenv(dist.TF_CONFIG_ENV, raising=False)

    seen = {}

    def train_one_class(data, checkpoint_dir, schedule, **kwargs):
        seen.update(kwargs)
        return None, {}

    monkeypatch.setattr(lsa_keras.training, "train_one_class", train_one_class)
    proc = ok(lsa_keras_main("train", "--distribute", "--dataset", "mnist-sample",
                             "--normal-class", "0", "--epochs", "1", "--out", tmp_path / "run"))
    assert isinstance(seen["distribution"], tf.distribute.MirroredStrategy)
    assert "data-parallel over 1 devices (this machine)" in proc.stdout


def test_jax_batches_leave_out_the_remainder_of_each_epoch(tmp_path):
    from lsa_keras.datasets import ImageFiles
    from lsa_keras.training.resumable import EpochOrder, validation_input
    from tests.test_case import image_tree

    x = np.arange(11)
    order = EpochOrder(x, 4, seed=0, multiple_of=2)
    assert len(order) == 3 and [len(order[i]) for i in range(3)] == [4, 4, 2]
    for epoch in range(3):  # each epoch leaves out another image of its own order
        walked = np.concatenate([order[epoch * 3 + i] for i in range(3)])
        np.testing.assert_array_equal(walked, order.order(epoch)[:10])
    assert len(EpochOrder(x, 4, seed=0)) == 3  # without multiple_of: all 11
    tree = image_tree(str(tmp_path), classes=("",), per_class=7, size=(4, 4), channels=1)
    files = ImageFiles([str(tmp_path / name) for name in sorted(tree)])
    batches = [b.shape[0] for b in validation_input(None, files, 4, multiple_of=2)]
    assert batches == [4, 2]
    with pytest.raises(ValueError, match="1 validation images cannot be split over 2"):
        validation_input(None, files[:1], 4, multiple_of=2)
