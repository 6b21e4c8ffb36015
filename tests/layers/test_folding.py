"""Folding helpers: the sub-pixel form of the cropped transposed 5x5 conv, and the zero
interleave of the strided transposed 1x1 conv."""

import numpy as np
import pytest

import keras

from lsa_keras.layers import SlicedCropping2D
from tests.test_case import rand, to_numpy

pytestmark = pytest.mark.backend


@pytest.mark.parametrize("h,w", [(7, 7), (4, 6), (1, 3)])
def test_subpixel_upsampling_equals_the_cropped_transposed_conv(h, w):
    from lsa_keras.layers.folding import is_subpixel_upsampling, subpixel_upsampling

    conv = keras.layers.Conv2DTranspose(5, 5, strides=2, padding="valid", use_bias=False)
    crop = SlicedCropping2D(((2, 1), (2, 1)))
    x = rand(2, h, w, 3)
    expected = to_numpy(crop(conv(x)))
    assert is_subpixel_upsampling(conv, [crop])
    np.testing.assert_allclose(to_numpy(subpixel_upsampling(x, conv.kernel)), expected,
                               rtol=1e-5, atol=1e-6)
    other = keras.layers.Conv2DTranspose(5, 5, strides=(1, 2), padding="valid", use_bias=False)
    assert not is_subpixel_upsampling(other, [SlicedCropping2D(((2, 2), (2, 1)))])
    assert not is_subpixel_upsampling(conv, [SlicedCropping2D(((2, 2), (2, 1)))])


@pytest.mark.parametrize("strides", [(2, 2), (1, 2), (2, 1, 3)])
def test_pointwise_upsampling_equals_the_transposed_1x1_conv(strides):
    from lsa_keras.layers.folding import is_pointwise_upsampling, pointwise_upsampling

    rank = len(strides)
    cls = keras.layers.Conv2DTranspose if rank == 2 else keras.layers.Conv3DTranspose
    conv = cls(4, 1, strides=strides, padding="valid", use_bias=False,
               output_padding=tuple(s - 1 for s in strides))
    x = rand(2, *(3, 5, 2)[:rank], 3)
    expected = to_numpy(conv(x))
    assert is_pointwise_upsampling(conv)
    np.testing.assert_allclose(to_numpy(pointwise_upsampling(x, conv.kernel, strides)), expected,
                               rtol=1e-5, atol=1e-6)
    no_padding = cls(4, 1, strides=strides, padding="valid", use_bias=False)
    assert not is_pointwise_upsampling(no_padding)
    assert not is_pointwise_upsampling(cls(4, 3, strides=strides, padding="valid",
                                           output_padding=tuple(s - 1 for s in strides)))
