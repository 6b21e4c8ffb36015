"""ResidualBlock: shapes and batch norm folding."""

import numpy as np
import pytest

from lsa_keras.layers import ResidualBlock
from tests.helpers import assert_layer_round_trip, to_numpy
from tests.test_case import batch_norm_layers, rand, with_moved_statistics

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "block,x,shape",
    [
        (ResidualBlock(3), rand(2, 9, 9, 3), (2, 9, 9, 3)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2), (2, 2, 4, 4, 2)),
    ],
)
def test_shapes_and_round_trip(block, x, shape):
    assert tuple(block(x, training=False).shape) == shape
    assert block.compute_output_shape(x.shape) == shape
    assert_layer_round_trip(block, x, training=False)


@pytest.mark.parametrize(
    "block,x",
    [
        (ResidualBlock(3), rand(2, 9, 9, 3)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2)),
    ],
)
def test_inference_folds_batch_norm_into_the_convolutions(block, x):
    block = with_moved_statistics(block, x)
    folded = to_numpy(block(x, training=False))
    block.fold_batch_norm = False
    layer_by_layer = to_numpy(block(x, training=False))
    np.testing.assert_allclose(folded, layer_by_layer, rtol=1e-5, atol=1e-5)
    # The fold reads the live statistics: reset them and its output moves.
    block.fold_batch_norm = True
    for layer in batch_norm_layers(block):
        layer.moving_mean.assign(np.zeros(layer.moving_mean.shape, "float32"))
        layer.moving_variance.assign(np.ones(layer.moving_variance.shape, "float32"))
    assert np.abs(to_numpy(block(x, training=False)) - folded).max() > 1e-2
