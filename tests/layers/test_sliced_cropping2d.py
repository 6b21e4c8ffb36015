"""SlicedCropping2D: Keras' cropping by slicing, and its gradient."""

import numpy as np
import pytest

import keras

from lsa_keras.layers import SlicedCropping2D
from tests.test_case import rand, run_layer_test, to_numpy

pytestmark = pytest.mark.backend


def test_sliced_cropping_equals_keras_cropping():
    x = rand(2, 9, 7, 3)
    crop = ((2, 1), (2, 0))
    layer = SlicedCropping2D(crop)
    y = to_numpy(layer(x))
    np.testing.assert_array_equal(y, to_numpy(keras.layers.Cropping2D(crop)(x)))
    assert y.shape == layer.compute_output_shape(x.shape) == (2, 6, 5, 3)
    run_layer_test(layer, x)
    with pytest.raises(ValueError, match="smaller than"):
        SlicedCropping2D(((4, 5), (0, 0)))(x)
    with pytest.raises(ValueError, match="channels_last"):
        SlicedCropping2D(crop, data_format="channels_first")


def test_sliced_cropping_gradient_is_zero_outside_the_crop():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient tape of the TensorFlow backend")
    import tensorflow as tf

    x = tf.constant(rand(1, 6, 6, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(SlicedCropping2D(((2, 1), (2, 1)))(x) * 3.0)
    expected = np.zeros((1, 6, 6, 2), "float32")
    expected[:, 2:5, 2:5] = 3.0
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), expected)
