"""CroppedConv3DTranspose: the kept part of the reference's cropped transposed conv."""

import numpy as np
import pytest

import keras

from lsa_keras.layers import CroppedConv3DTranspose
from lsa_keras.layers.cropped_conv3d_transpose import zero_interleaved_convolution
from tests.test_case import rand, run_layer_test, to_numpy

pytestmark = pytest.mark.backend


# Both kinds of axis (stride 1 and 2) in one case; each backend pads "same" its own way.
@pytest.mark.parametrize("strides,shape", [((1, 2, 2), (2, 2, 4, 4, 3)), ((2, 2, 1), (1, 3, 3, 5, 2))])
def test_cropped_transposed_conv_equals_valid_then_cropped(strides, shape):
    layer = CroppedConv3DTranspose(4, strides)
    x = rand(*shape)
    y = to_numpy(layer(x))
    # The reference's way: the whole "valid" transposed conv, cropped 2 in front, 3 - s behind.
    full = keras.layers.Conv3DTranspose(4, 5, strides=strides, padding="valid", use_bias=False)
    full.build(shape)
    full.kernel.assign(layer.kernel)
    expected = to_numpy(full(x))[:, 2:2 + shape[1] * strides[0], 2:2 + shape[2] * strides[1],
                                 2:2 + shape[3] * strides[2]]
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, atol=1e-5)
    # The regular-convolution form (TensorFlow on a CPU uses it) on every backend.
    np.testing.assert_allclose(
        to_numpy(zero_interleaved_convolution(x, layer.kernel, strides)), expected, atol=1e-5)
    run_layer_test(layer, x)
    with pytest.raises(ValueError, match="1 or 2"):
        CroppedConv3DTranspose(4, 3)
