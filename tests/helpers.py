"""Helpers shared by the tests: a layer round trip, a tiny LSA, image and IDX files."""

import gzip
import os
import shutil
import subprocess
import sys

import keras
import numpy as np

from lsa_keras import LSA

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def assert_layer_round_trip(layer, x, **call_kwargs):
    """get_config/from_config plus weights reproduce the layer's output exactly."""
    y = to_numpy(layer(x, **call_kwargs))
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    if not clone.built:
        clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(to_numpy(clone(x, **call_kwargs)), y)
    assert clone.count_params() == layer.count_params()
    return clone


def tiny_lsa(code_length=8, bins=10, units=(4,), lam=1.0):
    """An MNIST-shaped LSA with a small code and estimator, fast to build and train."""
    return LSA.from_architecture(
        "mnist", code_length=code_length, bins=bins, estimator_units=units, lam=lam
    )


def mnist_like(n, seed=0):
    return np.random.RandomState(seed).rand(n, 28, 28, 1).astype("float32")


def write_image(path, array, fmt=None):
    """Encode ``array`` (h, w, c) uint8 into the file format its extension names.

    PIL rather than tf.io, so the PyTorch test stage never loads TensorFlow next to torch
    (the two native runtimes in one process crashed a torch train step).
    """
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fmt = (fmt or os.path.splitext(path)[1]).lower().lstrip(".")
    array = np.asarray(array, dtype="uint8")
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    image.save(path, format={"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}[fmt], quality=95)


def write_idx(path, array, compress=True):
    """Write ``array`` as an MNIST IDX file (uint8), gzipped unless ``compress`` is False."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    data = header + array.astype("uint8").tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)
    return path


def tiny_mnist(folder, n_train=80, n_test=30):
    """Random-pixel MNIST IDX files in ``folder``, labels cycling 0..9."""
    rng = np.random.RandomState(0)
    os.makedirs(folder, exist_ok=True)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        write_idx(os.path.join(folder, f"{stem}-images-idx3-ubyte.gz"),
                  rng.randint(0, 256, (n, 28, 28)))
        write_idx(os.path.join(folder, f"{stem}-labels-idx1-ubyte.gz"), np.arange(n) % 10)


ENTRY_POINT = shutil.which("lsa-keras", path=os.path.dirname(sys.executable))


def lsa_keras_cmd(*args, cwd=None):
    """Run the installed `lsa-keras` console script; the completed process."""
    assert ENTRY_POINT, "the lsa-keras console script is not installed next to this Python"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([ENTRY_POINT, *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env=env)


def ok(proc):
    """``proc`` if it exited 0, else an assertion error with the end of its output."""
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc
