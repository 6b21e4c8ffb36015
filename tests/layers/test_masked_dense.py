import numpy as np
import pytest

from lsa_keras.layers import MaskedDense
from lsa_keras.layers.masks import free_pairs
from tests.test_case import run_layer_test, to_numpy

pytestmark = pytest.mark.backend


def mfc_params(d, ci, co, mask_type):
    pairs = (d * d + d) // 2 if mask_type == "B" else (d * d - d) // 2
    return pairs * ci * co + d * co


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("d,ci,co", [(64, 1, 32), (64, 32, 32), (64, 32, 100), (5, 3, 7), (1, 2, 3)])
def test_parameter_count_matches_supplement_formula(d, ci, co, mask_type):
    layer = MaskedDense(co, mask_type)
    layer.build((None, d, ci))
    assert layer.count_params() == mfc_params(d, ci, co, mask_type)


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_autoregressive_by_perturbation(mask_type):
    d, ci = 12, 3
    layer = MaskedDense(5, mask_type)
    rng = np.random.RandomState(0)
    x = rng.rand(4, d, ci).astype("float32")
    y = to_numpy(layer(x))
    for i in range(d):
        x2 = x.copy()
        x2[:, i, :] += rng.rand(4, ci).astype("float32") + 0.5
        changed = np.abs(to_numpy(layer(x2)) - y).max(axis=(0, 2)) > 1e-6
        first_dependent = i + 1 if mask_type == "A" else i
        # Outputs before the first dependent position never move; all later ones do.
        assert not changed[:first_dependent].any(), (i, changed)
        assert changed[first_dependent:].all(), (i, changed)


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("d,groups", [(6, 8), (13, 4), (13, 1), (64, 8)])
def test_equals_masked_dense_matmul(mask_type, d, groups):
    ci, co = 2, 3
    layer = MaskedDense(co, mask_type)
    layer.evaluation_groups = groups  # 1: the dense masked matmul; more: block-triangular
    x = np.random.RandomState(1).rand(5, d, ci).astype("float32")
    y = to_numpy(layer(x))
    blocks, bias = [to_numpy(w) for w in layer.weights]
    w = np.zeros((d, ci, d, co), "float32")
    for k, (i, j) in enumerate(free_pairs(d, mask_type)):
        w[i, :, j, :] = blocks[k]
    expected = np.einsum("bic,icjo->bjo", x, w) + bias
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_type_a_first_position_is_its_bias():
    layer = MaskedDense(4, "A")
    x = np.random.rand(3, 7, 2).astype("float32")
    y = to_numpy(layer(x))
    np.testing.assert_allclose(y[:, 0], np.broadcast_to(to_numpy(layer.bias)[0], (3, 4)), atol=1e-6)


def test_round_trip():
    run_layer_test(MaskedDense(4, "A", name="mfc"), np.random.rand(2, 9, 3).astype("float32"))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mask_type"):
        MaskedDense(4, "C")
    with pytest.raises(ValueError, match="units"):
        MaskedDense(0)
    with pytest.raises(ValueError):
        MaskedDense(4)(np.zeros((2, 8), "float32"))


def test_block_triangular_gradients_equal_the_dense_ones():
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient tape of the TensorFlow backend")
    import tensorflow as tf

    x = tf.constant(np.random.RandomState(2).rand(4, 16, 3).astype("float32"))
    grads = []
    for groups in (1, 8):
        layer = MaskedDense(5, "A")
        layer.evaluation_groups = groups
        layer.build(x.shape)
        layer.set_weights([np.random.RandomState(3).rand(*w.shape).astype("float32")
                           for w in layer.weights])
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(layer(x)))
        # The input's gradient too: each group reads a leading slice of the input.
        grads.append([tf.convert_to_tensor(g).numpy()
                      for g in tape.gradient(loss, [x, *layer.trainable_weights])])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
