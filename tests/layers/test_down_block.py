"""DownBlock: shapes, the shortcut, the reference's parameter count, batch norm folding."""

import numpy as np
import pytest

import keras

from lsa_keras.layers import DownBlock
from lsa_keras.layers.conv_block import subsample
from tests.test_case import rand, run_batch_norm_folding_test, run_layer_test, to_numpy

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "block,x,shape",
    [
        (DownBlock(8, 2), rand(2, 28, 28, 3), (2, 14, 14, 8)),
        (DownBlock(8, 2), rand(2, 15, 15, 3), (2, 8, 8, 8)),
        (DownBlock(4, (2, 1, 1), rank=3), rand(2, 8, 6, 6, 2), (2, 4, 6, 6, 4)),
        (DownBlock(4, (1, 2, 2), rank=3), rand(2, 8, 6, 6, 2), (2, 8, 3, 3, 4)),
    ],
)
def test_shapes_and_round_trip(block, x, shape):
    run_layer_test(block, x, expected_output_shape=shape, call_kwargs={"training": False})


@pytest.mark.parametrize("rank,x,strides", [(2, rand(2, 15, 15, 3), 2), (2, rand(2, 14, 14, 3), 2),
                                             (3, rand(2, 8, 7, 7, 2), (1, 2, 2)),
                                             (3, rand(2, 8, 6, 6, 2), (2, 2, 2))])
def test_down_block_shortcut_is_the_strided_1x1_conv(rank, x, strides):
    """The shortcut subsamples and then applies a 1x1 conv of stride 1 (TensorFlow's oneDNN
    1x1 conv of stride 2 corrupts the heap in training): the same function of the same
    weights as the reference's strided 1x1 conv."""
    block = DownBlock(4, strides, rank=rank)
    block(x, training=False)
    conv = (keras.layers.Conv2D if rank == 2 else keras.layers.Conv3D)(
        4, 1, strides=strides, padding="valid", use_bias=False)
    conv.build(x.shape)
    conv.kernel.assign(block.shortcut[0].kernel)
    np.testing.assert_allclose(to_numpy(block.shortcut[0](subsample(x, block.strides))),
                               to_numpy(conv(x)), rtol=1e-6, atol=1e-6)


def test_down_block_parameters_match_reference():
    block = DownBlock(32, 2)
    block.build((None, 28, 28, 1))
    trainable = sum(int(np.prod(w.shape)) for w in block.trainable_weights)
    # conv1 3*3*1*32 + bn 64 + conv2 3*3*32*32 + bn 64 + shortcut 32 + bn 64 (no conv biases)
    assert trainable == 288 + 64 + 9216 + 64 + 32 + 64


@pytest.mark.parametrize(
    "block,x",
    [
        (DownBlock(8, 2), rand(2, 15, 15, 3)),
        (DownBlock(4, (2, 1, 1), rank=3), rand(2, 8, 6, 6, 2)),
    ],
)
def test_inference_folds_batch_norm_into_the_convolutions(block, x):
    run_batch_norm_folding_test(block, x)
