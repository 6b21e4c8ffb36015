"""The runs of tests/training/test_distribution.py, each in a process of its own.

The devices of a run must be set before its backend starts (TensorFlow's logical CPU devices,
JAX's host platform device count, TensorFlow's multi-worker runtime), so each scenario runs as

    python -m tests.training.distributed_runs SCENARIO OUT_PREFIX

and writes ``OUT_PREFIX.json`` (the losses logged) and ``OUT_PREFIX.npz`` (the trainable
weights), which the tests compare. Every run trains the same small LSA (:func:`micro_lsa`)
from the same seed with plain SGD (Adam normalises each gradient, so a run that summed the
replicas' gradients instead of averaging them would follow the one-device run almost
exactly: SGD shows it at once) on the same global batches of 16 images.
"""

import json
import os
import sys

SCENARIOS = ("tensorflow-mirrored", "jax-data-parallel", "tensorflow-worker")
BATCH = 16
LEARNING_RATE = 1e-3


def main(scenario, prefix):
    if scenario not in SCENARIOS:
        raise SystemExit(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    backend = "jax" if scenario.startswith("jax") else "tensorflow"
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "jax":
        # Two host devices; XLA:CPU's optimisation level 0 unless XLA_FLAGS says otherwise
        # (as the JAX test stage: compiling takes most of these runs).
        flags = os.environ.get("XLA_FLAGS") or "--xla_backend_optimization_level=0"
        os.environ["XLA_FLAGS"] = flags + " --xla_force_host_platform_device_count=2"
    elif scenario == "tensorflow-mirrored":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from lsa_keras.training.distribution import data_parallel

    # Before any other TensorFlow work (the multi-worker runtime is configured at start-up).
    distribution = data_parallel()
    runs = {"tensorflow-mirrored": _mirrored, "jax-data-parallel": _jax,
            "tensorflow-worker": _worker}[scenario](distribution)
    import numpy as np

    np.savez(prefix + ".npz", **{name: run.pop("weights") for name, run in runs.items()})
    with open(prefix + ".json", "w") as f:
        json.dump(runs, f)


def micro_lsa():
    """An LSA on 28x28x1 images small enough to compile in a second or two (the mnist
    networks take about ten under JAX): batch normalisation after a convolution and after a
    dense layer, a code of 8, the MFC estimator (masked layers) over 10 bins."""
    import keras

    from lsa_keras import LSA
    from lsa_keras.models.lsa.lsa_networks import mfc_estimator

    layers = keras.layers
    encoder = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(4, 4, strides=4), layers.BatchNormalization(),
        layers.LeakyReLU(), layers.Flatten(), layers.Dense(16), layers.BatchNormalization(),
        layers.LeakyReLU(), layers.Dense(8, activation="sigmoid")], name="encoder")
    decoder = keras.Sequential([
        keras.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Dense(28 * 28), layers.Reshape((28, 28, 1))], name="decoder")
    return LSA(encoder, decoder, mfc_estimator(8, 10, (4,)), lam=1.0)


def _model(distribution=None, synchronized=False):
    import contextlib

    import keras

    keras.utils.set_random_seed(0)
    with distribution.scope() if distribution is not None else contextlib.nullcontext():
        model = micro_lsa()
        for layer in model._flatten_layers():
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.synchronized = synchronized
        model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE))
    return model


def _step_logs():
    """A callback that keeps the ``loss``, ``rec`` and ``llk`` logs after every step (the
    epoch's means so far) in its ``steps``."""
    import keras

    class StepLogs(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.steps = []

        def on_train_batch_end(self, batch, logs=None):
            self.steps.append({k: float(logs[k]) for k in ("loss", "rec", "llk")})

    return StepLogs()


def _result(model, steps, history):
    import numpy as np

    weights = np.concatenate([np.asarray(w.numpy()).ravel() for w in model.trainable_weights])
    return {"steps": steps, "epoch": {k: float(history[k][-1]) for k in ("loss", "rec", "llk")},
            "weights": weights}


def _fit(model, x, distribution=None):
    import contextlib

    steps = _step_logs()
    with distribution.scope() if distribution is not None else contextlib.nullcontext():
        history = model.fit(x, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                            callbacks=[steps])
    return _result(model, steps.steps, history.history)


def _mirrored(distribution):
    """One device; two replicas with synchronized batch normalisation; two with Keras'
    default per-replica statistics, and the first step of that on one device, half by half.
    Batches of 16, 16, 16 and 1 images."""
    import numpy as np
    from keras import ops

    from tests.test_case import mnist_like

    assert distribution.num_replicas_in_sync == 2, distribution.extended.worker_devices
    # 49 images: the last batch is one image, all on the first replica (the other gets none).
    x = mnist_like(3 * BATCH + 1)
    runs = {"one_device": _fit(_model(), x),
            "synchronized": _fit(_model(distribution, synchronized=True), x),
            "per_replica": _fit(_model(distribution), x)}
    model = _model()
    halves = [model.joint_loss(h, model(h, training=True))["loss"]
              for h in (x[:BATCH // 2], x[BATCH // 2:BATCH])]
    runs["halves"] = {"first_loss": float(np.mean([ops.convert_to_numpy(v) for v in halves])),
                      "weights": np.zeros(0)}
    return runs


def _jax(distribution):
    """One device on the batches train_resumable walks, and train_resumable itself over two:
    49 training images (each epoch leaves one out, so the batches split evenly) and 5
    validation images (4 used)."""
    import tempfile

    from lsa_keras.training.resumable import EpochOrder, train_resumable
    from tests.test_case import mnist_like

    assert distribution.device_mesh.devices.size == 2
    x, x_val = mnist_like(3 * BATCH + 1), mnist_like(5, seed=1)
    model, steps = _model(), _step_logs()
    order = EpochOrder(x, BATCH, seed=0, multiple_of=2)
    history = model.fit(order, epochs=1, steps_per_epoch=order.steps, verbose=0,
                        callbacks=[steps])
    runs = {"one_device": _result(model, steps.steps, history.history)}
    steps = _step_logs()
    with tempfile.TemporaryDirectory() as out:
        model, state = train_resumable(
            lambda: _model(distribution), x, x_val, out, 1, BATCH, LEARNING_RATE, {}, seed=0,
            verbose=0, callbacks=[steps], distribution=distribution)
    runs["data_parallel"] = _result(model, steps.steps,
                                    {k: [v] for k, v in state["history"][-1].items()})
    runs["data_parallel"]["steps_per_epoch"] = len(steps.steps)
    return runs


def _worker(distribution):
    """This worker's part of a two-worker run of train_resumable into ``$RUN_DIR``."""
    from lsa_keras.training.distribution import is_chief, worker_index
    from lsa_keras.training.resumable import train_resumable
    from tests.test_case import mnist_like

    steps = _step_logs()
    model, state = train_resumable(
        lambda: _model(distribution), mnist_like(3 * BATCH), mnist_like(6, seed=1),
        os.environ["RUN_DIR"], 1, BATCH, LEARNING_RATE, {}, seed=0, verbose=0,
        callbacks=[steps], distribution=distribution)
    result = _result(model, steps.steps, {k: [v] for k, v in state["history"][-1].items()})
    result.update(chief=is_chief(distribution), index=worker_index(distribution),
                  replicas=distribution.num_replicas_in_sync)
    return {"worker": result}


if __name__ == "__main__":
    main(*sys.argv[1:])
