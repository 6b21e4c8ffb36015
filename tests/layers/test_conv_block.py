"""ConvBlock's shared wiring: subsampling, argument checks, batch norm folding in inference only."""

import numpy as np
import pytest

import keras

from lsa_keras.layers import DownBlock, ResidualBlock
from lsa_keras.layers.conv_block import subsample
from tests.test_case import rand, to_numpy, with_moved_statistics

pytestmark = pytest.mark.backend


@pytest.mark.parametrize("shape,strides", [
    ((3, 14, 14, 5), (2, 2)),  # even sizes: reshape and unit-stride slice
    ((3, 7, 8, 5), (2, 2)),  # an odd size: strided slice
    ((2, 4, 8, 6, 3), (1, 2, 2)),
    ((2, 8, 8, 6, 3), (2, 2, 2)),
    ((2, 8, 8, 3), (1, 1)),
])
def test_subsample_is_the_strided_slice(shape, strides):
    x = rand(*shape)
    want = x[(slice(None), *(slice(None, None, s) for s in strides), slice(None))]
    got = to_numpy(subsample(keras.ops.convert_to_tensor(x), strides))
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_bad_block_arguments():
    with pytest.raises(ValueError, match="rank"):
        DownBlock(4, rank=1)
    with pytest.raises(ValueError, match="strides"):
        DownBlock(4, (2, 2), rank=3)
    with pytest.raises(ValueError, match="input channels"):
        ResidualBlock(4)(rand(1, 5, 5, 3))


def test_training_mode_does_not_fold():
    block = with_moved_statistics(DownBlock(4, 2), rand(4, 8, 8, 2))
    y = to_numpy(block(rand(4, 8, 8, 2), training=True))
    block.fold_batch_norm = False
    np.testing.assert_allclose(to_numpy(block(rand(4, 8, 8, 2), training=True)), y,
                               rtol=1e-4, atol=1e-4)
