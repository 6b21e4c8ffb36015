"""Helpers shared by the tests: a layer round trip, a tiny LSA, image files."""

import os

import keras
import numpy as np

from lsa_keras import LSA


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
