"""BatchNorm: Keras' BatchNormalization, with a fused training path on TensorFlow."""

import keras
import numpy as np
import pytest

from lsa_keras.layers import BatchNorm
from tests.test_case import run_layer_test, to_numpy

pytestmark = pytest.mark.backend


def _pair(shape, seed=0):
    rng = np.random.RandomState(seed)
    ours = BatchNorm(momentum=0.9, epsilon=1e-5)
    keras_bn = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    for layer in (ours, keras_bn):
        layer.build(shape)
    gamma, beta = rng.rand(shape[-1]).astype("float32"), rng.randn(shape[-1]).astype("float32")
    for layer in (ours, keras_bn):
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
    return ours, keras_bn


@pytest.mark.parametrize("shape", [(8, 7, 7, 5), (4, 3, 5, 5, 2), (16, 6)])
def test_training_matches_keras_layer(shape):
    x = (np.random.RandomState(1).randn(*shape) * 3 + 1).astype("float32")
    ours, keras_bn = _pair(shape)
    for _ in range(2):  # two updates of the moving statistics
        np.testing.assert_allclose(to_numpy(ours(x, training=True)),
                                   to_numpy(keras_bn(x, training=True)), atol=2e-5)
    np.testing.assert_allclose(to_numpy(ours.moving_mean), to_numpy(keras_bn.moving_mean),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(ours.moving_variance),
                               to_numpy(keras_bn.moving_variance), rtol=1e-5)
    np.testing.assert_allclose(to_numpy(ours(x, training=False)),
                               to_numpy(keras_bn(x, training=False)), atol=1e-5)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the fused path is TensorFlow's")
@pytest.mark.parametrize("shape", [(8, 7, 7, 5), (4, 3, 5, 5, 2)])
def test_fused_gradients_match_keras_layer(shape):
    import tensorflow as tf

    rng = np.random.RandomState(2)
    x = tf.constant((rng.randn(*shape) * 3 + 1).astype("float32"))
    weights = tf.constant(rng.randn(*shape).astype("float32"))
    grads = []
    for layer in _pair(shape):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) * weights)
        grads.append(tape.gradient(loss, [x, layer.gamma.value, layer.beta.value]))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the fused path is TensorFlow's")
def test_fused_path_is_taken_in_training_only():
    import tensorflow as tf

    layer = BatchNorm()
    x = np.ones((2, 3, 3, 4), "float32")
    layer.build(x.shape)
    graph = tf.function(lambda t: layer(t, training=True)).get_concrete_function(
        tf.TensorSpec(x.shape)).graph
    assert any(op.type.startswith("FusedBatchNorm") for op in graph.get_operations())
    graph = tf.function(lambda t: layer(t, training=False)).get_concrete_function(
        tf.TensorSpec(x.shape)).graph
    assert not any(op.type.startswith("FusedBatchNorm") for op in graph.get_operations())


def test_round_trip():
    x = np.random.RandomState(3).rand(2, 5, 5, 3).astype("float32")
    clone = run_layer_test(BatchNorm(momentum=0.9, epsilon=1e-5), x, call_kwargs={"training": False})
    assert isinstance(clone, BatchNorm) and clone.momentum == 0.9 and clone.epsilon == 1e-5
