"""The slabs' layout of the free blocks and its gradient."""

import keras
import numpy as np
import pytest

from lsa_keras.layers.masks import (
    free_pairs, group_bounds, lay_out_blocks, slab_layout, split_slabs, triangular_slabs,
)
from tests.test_case import to_numpy

pytestmark = pytest.mark.backend


def layout_of(d, mask_type, groups):
    pairs = free_pairs(d, mask_type)
    return len(pairs), slab_layout(triangular_slabs(pairs, d, group_bounds(d, groups)), len(pairs))


@pytest.mark.parametrize("d,mask_type,groups", [(7, "A", 3), (9, "B", 4), (5, "B", 1)])
def test_every_block_is_laid_out_once(d, mask_type, groups):
    n, (index, inverse) = layout_of(d, mask_type, groups)
    np.testing.assert_array_equal(index[inverse], np.arange(n))
    assert (index == n).sum() == len(index) - n  # the rest are zero blocks


def test_a_layout_that_misses_a_block_is_refused():
    pairs = free_pairs(4, "B")
    slabs = triangular_slabs(pairs, 4, group_bounds(4, 2))[:1]
    with pytest.raises(ValueError, match="exactly once"):
        slab_layout(slabs, len(pairs))


@pytest.mark.parametrize("d,mask_type,groups", [(7, "A", 3), (9, "B", 4), (5, "B", 1)])
def test_rows_and_squares_hold_the_slabs(d, mask_type, groups):
    pairs = free_pairs(d, mask_type)
    slabs = triangular_slabs(pairs, d, group_bounds(d, groups))
    rows, diagonal, squares = split_slabs(slabs, len(pairs))
    for (lo, hi, index), row, (s_lo, s_hi, square) in zip(slabs, rows, squares):
        assert (s_lo, s_hi) == (lo, hi) and row.shape == (lo, hi - lo)
        np.testing.assert_array_equal(row, index[:lo])
        assert (row < len(pairs)).all()  # the rows above a group are all free
        padded = np.append(diagonal, len(pairs))
        np.testing.assert_array_equal(padded[square], index[lo:])
    assert sum(r.size for r in rows) + len(diagonal) == len(pairs)


def test_a_split_that_misses_a_block_is_refused():
    pairs = free_pairs(4, "B")
    slabs = triangular_slabs(pairs, 4, group_bounds(4, 2))[1:]
    with pytest.raises(ValueError, match="exactly once"):
        split_slabs(slabs, len(pairs))


def gradient(f, x):
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = f(x)
        return tape.gradient(loss, x)
    if backend == "jax":
        import jax

        return jax.grad(f)(x)
    import torch

    x = torch.tensor(x, requires_grad=True)
    f(x).backward()
    return x.grad


def test_values_and_gradient_of_the_layout():
    n, (index, inverse) = layout_of(9, "B", 4)
    rng = np.random.RandomState(0)
    blocks = rng.rand(n, 2, 3).astype("float32")
    weights = rng.rand(len(index), 2, 3).astype("float32")
    expected = np.concatenate([blocks, np.zeros((1, 2, 3), "float32")])[index]
    np.testing.assert_array_equal(to_numpy(lay_out_blocks(blocks, index, inverse)), expected)
    w = keras.ops.convert_to_tensor(weights)
    grad = gradient(lambda b: keras.ops.sum(lay_out_blocks(b, index, inverse) * w), blocks)
    np.testing.assert_allclose(to_numpy(grad), weights[inverse], rtol=1e-6)
