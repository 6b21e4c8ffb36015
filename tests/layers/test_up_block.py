"""UpBlock: shapes, batch norm folding, the sub-pixel path in inference."""

import numpy as np
import pytest

from lsa_keras.layers import UpBlock
from tests.test_case import (
    rand, run_batch_norm_folding_test, run_layer_test, to_numpy, with_moved_statistics,
)

pytestmark = pytest.mark.backend


@pytest.mark.parametrize(
    "block,x,shape",
    [
        (UpBlock(8, 2), rand(2, 7, 7, 3), (2, 14, 14, 8)),
        (UpBlock(4, (1, 2, 2), rank=3), rand(2, 2, 4, 4, 2), (2, 2, 8, 8, 4)),
        (UpBlock(4, (2, 1, 1), rank=3), rand(2, 2, 4, 4, 2), (2, 4, 4, 4, 4)),
    ],
)
def test_shapes_and_round_trip(block, x, shape):
    run_layer_test(block, x, expected_output_shape=shape, call_kwargs={"training": False})


@pytest.mark.parametrize(
    "block,x",
    [
        (UpBlock(8, 2), rand(2, 7, 7, 3)),
        (UpBlock(8, (1, 2)), rand(2, 7, 7, 3)),
        (UpBlock(4, (1, 2, 2), rank=3), rand(2, 2, 4, 4, 2)),
    ],
)
def test_inference_folds_batch_norm_into_the_convolutions(block, x):
    run_batch_norm_folding_test(block, x)


def test_up_block_inference_takes_the_subpixel_path(monkeypatch):
    from lsa_keras.layers import folding

    calls = []
    real = folding.subpixel_upsampling
    monkeypatch.setattr(folding, "subpixel_upsampling",
                        lambda x, k: calls.append(tuple(k.shape)) or real(x, k))
    block = with_moved_statistics(UpBlock(4, 2), rand(2, 5, 5, 3))
    folded = to_numpy(block(rand(2, 5, 5, 3), training=False))
    assert calls and set(calls) == {(5, 5, 4, 3)}
    block.fold_batch_norm = False
    np.testing.assert_allclose(folded, to_numpy(block(rand(2, 5, 5, 3), training=False)),
                               rtol=1e-5, atol=1e-5)


def one_by_one(block, x):
    """The block in training mode as its layers applied one by one (Keras' own layers)."""
    y = x
    for layer in block.main:
        y = layer(y, training=True)
    s = x
    for layer in block.shortcut:
        s = layer(s, training=True)
    return block.activation(y + s)


def test_training_equals_the_layers_one_by_one():
    # Under JAX on a CPU this goes through the sub-pixel and pointwise forms (XLA), under
    # TensorFlow eagerly and under PyTorch through the transposed convolutions: same function.
    block = UpBlock(4, 2)
    x = rand(3, 6, 6, 5)
    block.build(x.shape)
    np.testing.assert_allclose(to_numpy(block(x, training=True)),
                               to_numpy(one_by_one(block, x)), rtol=1e-5, atol=1e-5)
