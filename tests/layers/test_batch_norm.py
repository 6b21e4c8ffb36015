import keras
import numpy as np
import pytest

from lsa_keras.layers import BatchNorm
from tests.helpers import assert_layer_round_trip, to_numpy

pytestmark = pytest.mark.backend


def pair(shape, seed):
    """Our layer and Keras' with the same, non-trivial weights and moving statistics."""
    rng, channels = np.random.RandomState(seed), shape[-1]
    ours, theirs = BatchNorm(), keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    for layer in (ours, theirs):
        layer.build((None, *shape[1:]))
    weights = [rng.rand(channels) + 0.5, rng.randn(channels), rng.randn(channels),
               rng.rand(channels) + 0.1]  # gamma, beta, moving mean, moving variance
    for layer in (ours, theirs):
        layer.set_weights([w.astype("float32") for w in weights])
    return ours, theirs


@pytest.mark.parametrize("shape", [(5, 3), (4, 6, 7, 3), (2, 3, 4, 5, 3)])
def test_inference_and_training_equal_keras(shape):
    ours, theirs = pair(shape, seed=len(shape))
    x = np.random.RandomState(0).randn(*shape).astype("float32")
    for training in (False, True):
        np.testing.assert_allclose(to_numpy(ours(x, training=training)),
                                   to_numpy(theirs(x, training=training)), rtol=1e-5, atol=1e-5)
    # Training updated the moving statistics the same way.
    for a, b in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-6, atol=1e-6)


def test_inference_inside_a_compiled_function_and_round_trip():
    ours, theirs = pair((8, 5, 5, 4), seed=1)
    x = np.random.RandomState(2).randn(8, 5, 5, 4).astype("float32")
    model = keras.Sequential([keras.Input((5, 5, 4)), ours])
    np.testing.assert_allclose(model.predict(x, verbose=0), to_numpy(theirs(x, training=False)),
                               rtol=1e-5, atol=1e-5)
    clone = assert_layer_round_trip(ours, x, training=False)
    assert isinstance(clone, BatchNorm) and clone.epsilon == 1e-5 and clone.momentum == 0.9
