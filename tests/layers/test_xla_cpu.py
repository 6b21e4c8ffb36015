"""compiled_by_xla_on_cpu, and the up blocks' XLA forms with their gradients (TensorFlow)."""

import keras
import numpy as np
import pytest

from lsa_keras.layers import UpBlock
from lsa_keras.layers.xla_cpu import compiled_by_xla_on_cpu
from tests.test_case import rand

pytestmark = pytest.mark.backend


def test_outside_a_compiled_function():
    expected = keras.backend.backend() == "jax"  # JAX compiles every operation with XLA
    assert compiled_by_xla_on_cpu() is expected


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.function")
def test_inside_tensorflow_functions():
    import tensorflow as tf

    seen = []
    tf.function(lambda: seen.append(compiled_by_xla_on_cpu()) or tf.constant(0),
                jit_compile=True)()
    tf.function(lambda: seen.append(compiled_by_xla_on_cpu()) or tf.constant(0))()
    assert seen == [not tf.config.list_logical_devices("GPU"), False]


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.function")
@pytest.mark.parametrize("strides", [2, (1, 2)])
def test_up_block_trains_to_the_same_gradients_with_and_without_xla(strides):
    import tensorflow as tf

    block = UpBlock(4, strides)
    x = tf.constant(rand(3, 6, 6, 5))
    block.build(x.shape)
    weights = block.trainable_variables

    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = block(x, training=True)
            loss = tf.reduce_sum(y * y)
        return [y] + tape.gradient(loss, weights + [x])

    plain = tf.function(step)()
    compiled = tf.function(step, jit_compile=True)()
    assert len(plain) == len(weights) + 2
    for a, b in zip(plain, compiled):
        scale = float(np.abs(a.numpy()).max())
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5 * scale)
