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
# (6, 8): one position a group, so type A has no free block on the diagonal.
@pytest.mark.parametrize("d,groups", [(6, 8), (13, 4), (13, 1), (64, 8)])
def test_equals_masked_dense_matmul(mask_type, d, groups):
    ci, co = 2, 3
    layer = MaskedDense(co, mask_type)
    layer.evaluation_groups = groups  # 1: the dense masked matmul; more: block-triangular
    x = np.random.RandomState(1).rand(5, d, ci).astype("float32")
    y = to_numpy(layer(x))
    blocks, bias = to_numpy(layer.kernel), to_numpy(layer.bias)
    w = np.zeros((d, ci, d, co), "float32")
    for k, (i, j) in enumerate(free_pairs(d, mask_type)):
        w[i, :, j, :] = blocks[k]
    expected = np.einsum("bic,icjo->bjo", x, w) + bias
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("d,groups", [(8, 1), (15, 1), (16, 2), (64, 8), (200, 8)])
def test_default_groups_hold_at_least_eight_positions(d, groups):
    layer = MaskedDense(3, "B")
    layer.build((None, d, 1))
    assert layer.groups() == groups


def test_type_a_over_one_position_is_its_bias():
    layer = MaskedDense(3, "A")
    x = np.random.rand(2, 1, 2).astype("float32")
    y = to_numpy(layer(x))
    assert layer.kernel_variables == [] and tuple(layer.kernel.shape) == (0, 2, 3)
    np.testing.assert_allclose(y, np.broadcast_to(to_numpy(layer.bias), (2, 1, 3)), atol=1e-6)


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
        rng = np.random.RandomState(3)
        layer.assign_kernel(rng.rand(*layer.kernel.shape).astype("float32"))
        layer.bias.assign(rng.rand(*layer.bias.shape).astype("float32"))
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(layer(x)))
        # The input's gradient too: each group reads a slice of the input.
        g_x, g_bias, *g_kernel = tape.gradient(loss, [x, layer.bias, *layer.kernel_variables])
        grads.append([g_x.numpy(), g_bias.numpy(),
                      to_numpy(layer.blocks_from([tf.convert_to_tensor(g) for g in g_kernel]))])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_initial_blocks_are_one_draw_of_the_initializer():
    import keras

    init = keras.initializers.RandomUniform(-1.0, 1.0, seed=7)
    layer = MaskedDense(3, "B", kernel_initializer=init)
    layer.build((None, 10, 2))
    expected = to_numpy(keras.initializers.RandomUniform(-1.0, 1.0, seed=7)((55, 2, 3)))
    np.testing.assert_array_equal(to_numpy(layer.kernel), expected)


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_kernel_round_trips_through_assign_kernel(mask_type):
    layer = MaskedDense(4, mask_type)
    layer.build((None, 19, 3))
    blocks = np.random.RandomState(4).rand(*layer.kernel.shape).astype("float32")
    layer.assign_kernel(blocks)
    np.testing.assert_array_equal(to_numpy(layer.kernel), blocks)
    n_pairs = 171 if mask_type == "A" else 190
    with pytest.raises(ValueError, match=rf"free blocks must have shape \({n_pairs}, 3, 4\)"):
        layer.assign_kernel(blocks[1:])


def test_files_hold_the_free_blocks_whatever_the_groups(tmp_path):
    import h5py
    import keras

    x = np.random.RandomState(5).rand(3, 13, 2).astype("float32")
    layer = MaskedDense(4, "B", name="mfc")
    layer.evaluation_groups = 4
    y = to_numpy(layer(x))
    model = keras.Sequential([keras.Input((13, 2)), layer])
    path = str(tmp_path / "mfc.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        shapes = []
        f.visititems(lambda name, item: shapes.append(item.shape)
                     if isinstance(item, h5py.Dataset) else None)
    assert sorted(shapes) == sorted([(91, 2, 4), (13, 4)])
    other = MaskedDense(4, "B", name="mfc")
    other.evaluation_groups = 1
    twin = keras.Sequential([keras.Input((13, 2)), other])
    twin.load_weights(path)
    np.testing.assert_allclose(to_numpy(twin(x)), y, rtol=1e-5, atol=1e-6)


def test_a_file_of_another_configuration_is_refused():
    layer = MaskedDense(4, "B", name="mfc")
    layer.build((None, 5, 2))
    with pytest.raises(ValueError, match="expects 2 saved variables"):
        layer.load_own_variables({"0": np.zeros((15, 2, 4), "float32")})
    with pytest.raises(ValueError, match="free blocks must have shape"):
        layer.load_own_variables({"0": np.zeros((10, 2, 4), "float32"),
                                  "1": np.zeros((5, 4), "float32")})
