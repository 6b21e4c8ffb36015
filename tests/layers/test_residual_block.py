"""ResidualBlock: shapes and batch norm folding."""

import pytest

from lsa_keras.layers import ResidualBlock
from tests.test_case import rand, run_batch_norm_folding_test, run_layer_test

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "block,x,shape",
    [
        (ResidualBlock(3), rand(2, 9, 9, 3), (2, 9, 9, 3)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2), (2, 2, 4, 4, 2)),
    ],
)
def test_shapes_and_round_trip(block, x, shape):
    run_layer_test(block, x, expected_output_shape=shape, call_kwargs={"training": False})


@pytest.mark.parametrize(
    "block,x",
    [
        (ResidualBlock(3), rand(2, 9, 9, 3)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2)),
    ],
)
def test_inference_folds_batch_norm_into_the_convolutions(block, x):
    run_batch_norm_folding_test(block, x)
