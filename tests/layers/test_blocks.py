import numpy as np
import pytest

import keras

from lsa_keras.layers import (
    CausalConv3D, CroppedConv3DTranspose, DownBlock, ResidualBlock, SlicedCropping2D,
    TemporalDense, TorchDense, UpBlock,
)
from lsa_keras.layers.conv_block import subsample
from tests.helpers import assert_layer_round_trip, to_numpy

pytestmark = pytest.mark.backend


def rand(*shape):
    return np.random.RandomState(0).rand(*shape).astype("float32")


@pytest.mark.parametrize(
    "block,x,shape",
    [
        (DownBlock(8, 2), rand(2, 28, 28, 3), (2, 14, 14, 8)),
        (DownBlock(8, 2), rand(2, 15, 15, 3), (2, 8, 8, 8)),
        (UpBlock(8, 2), rand(2, 7, 7, 3), (2, 14, 14, 8)),
        (ResidualBlock(3), rand(2, 9, 9, 3), (2, 9, 9, 3)),
        (DownBlock(4, (2, 1, 1), rank=3), rand(2, 8, 6, 6, 2), (2, 4, 6, 6, 4)),
        (DownBlock(4, (1, 2, 2), rank=3), rand(2, 8, 6, 6, 2), (2, 8, 3, 3, 4)),
        (UpBlock(4, (1, 2, 2), rank=3), rand(2, 2, 4, 4, 2), (2, 2, 8, 8, 4)),
        (UpBlock(4, (2, 1, 1), rank=3), rand(2, 2, 4, 4, 2), (2, 4, 4, 4, 4)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2), (2, 2, 4, 4, 2)),
    ],
)
def test_shapes_and_round_trip(block, x, shape):
    assert tuple(block(x, training=False).shape) == shape
    assert block.compute_output_shape(x.shape) == shape
    assert_layer_round_trip(block, x, training=False)


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
    np.testing.assert_allclose(to_numpy(block.shortcut[0](block._shortcut_input(x))),
                               to_numpy(conv(x)), rtol=1e-6, atol=1e-6)


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


def test_down_block_parameters_match_reference():
    block = DownBlock(32, 2)
    block.build((None, 28, 28, 1))
    trainable = sum(int(np.prod(w.shape)) for w in block.trainable_weights)
    # conv1 3*3*1*32 + bn 64 + conv2 3*3*32*32 + bn 64 + shortcut 32 + bn 64 (no conv biases)
    assert trainable == 288 + 64 + 9216 + 64 + 32 + 64


@pytest.mark.parametrize("strides", [1, (2, 1, 1)])
def test_causal_conv3d_never_sees_the_future(strides):
    layer = CausalConv3D(3, strides=strides)
    x = rand(1, 6, 5, 5, 2)
    y = to_numpy(layer(x))
    step = 1 if strides == 1 else 2
    for t in range(6):
        x2 = x.copy()
        x2[:, t] += 1.0
        changed = np.abs(to_numpy(layer(x2)) - y).max(axis=(0, 2, 3, 4)) > 1e-6
        # Output step u sees input steps u*s - 1 and u*s only.
        expected = np.array([t in (u * step - 1, u * step) for u in range(len(changed))])
        np.testing.assert_array_equal(changed, expected)


def test_causal_conv3d_round_trip():
    assert_layer_round_trip(CausalConv3D(3, strides=(1, 2, 2)), rand(2, 4, 6, 6, 2))


def test_dense_layers_use_pytorch_initialisation():
    layer = TorchDense(64)
    layer.build((None, 400))
    kernel, bias = (to_numpy(w) for w in layer.weights)
    bound = 1 / np.sqrt(400)
    assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.9 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).max() > 0.5 * bound


def test_temporal_dense_is_shared_over_time():
    layer = TemporalDense(5)
    x = rand(2, 3, 7)
    y = to_numpy(layer(x))
    np.testing.assert_allclose(y[:, 1], to_numpy(layer(x[:, 1:2]))[:, 0], rtol=1e-6)
    assert_layer_round_trip(layer, x)
    with pytest.raises(ValueError):
        TemporalDense(5)(rand(2, 7))


def test_bad_block_arguments():
    with pytest.raises(ValueError, match="rank"):
        DownBlock(4, rank=1)
    with pytest.raises(ValueError, match="strides"):
        DownBlock(4, (2, 2), rank=3)
    with pytest.raises(ValueError, match="input channels"):
        ResidualBlock(4)(rand(1, 5, 5, 3))


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
    assert_layer_round_trip(layer, x)
    with pytest.raises(ValueError, match="1 or 2"):
        CroppedConv3DTranspose(4, 3)


def test_sliced_cropping_equals_keras_cropping():
    x = rand(2, 9, 7, 3)
    crop = ((2, 1), (2, 0))
    layer = SlicedCropping2D(crop)
    y = to_numpy(layer(x))
    np.testing.assert_array_equal(y, to_numpy(keras.layers.Cropping2D(crop)(x)))
    assert y.shape == layer.compute_output_shape(x.shape) == (2, 6, 5, 3)
    assert_layer_round_trip(layer, x)
    with pytest.raises(ValueError, match="smaller than"):
        SlicedCropping2D(((4, 5), (0, 0)))(x)
    with pytest.raises(ValueError, match="channels_last"):
        SlicedCropping2D(crop, data_format="channels_first")


def test_sliced_cropping_gradient_is_zero_outside_the_crop():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient tape of the TensorFlow backend")
    import tensorflow as tf

    x = tf.constant(rand(1, 6, 6, 2))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(SlicedCropping2D(((2, 1), (2, 1)))(x) * 3.0)
    expected = np.zeros((1, 6, 6, 2), "float32")
    expected[:, 2:5, 2:5] = 3.0
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), expected)


def _with_moved_statistics(block, x):
    """Build ``block`` and give every batch normalisation non-trivial weights and statistics."""
    block(x, training=False)
    rng = np.random.RandomState(3)
    for layer in block._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.beta.assign(rng.uniform(-0.5, 0.5, n).astype("float32"))
            layer.moving_mean.assign(rng.uniform(-0.3, 0.3, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.2, 2.0, n).astype("float32"))
    return block


@pytest.mark.parametrize(
    "block,x",
    [
        (DownBlock(8, 2), rand(2, 15, 15, 3)),
        (UpBlock(8, 2), rand(2, 7, 7, 3)),
        (UpBlock(8, (1, 2)), rand(2, 7, 7, 3)),
        (ResidualBlock(3), rand(2, 9, 9, 3)),
        (DownBlock(4, (2, 1, 1), rank=3), rand(2, 8, 6, 6, 2)),
        (UpBlock(4, (1, 2, 2), rank=3), rand(2, 2, 4, 4, 2)),
        (ResidualBlock(2, rank=3), rand(2, 2, 4, 4, 2)),
    ],
)
def test_inference_folds_batch_norm_into_the_convolutions(block, x):
    block = _with_moved_statistics(block, x)
    folded = to_numpy(block(x, training=False))
    block.fold_batch_norm = False
    layer_by_layer = to_numpy(block(x, training=False))
    np.testing.assert_allclose(folded, layer_by_layer, rtol=1e-5, atol=1e-5)
    # The fold reads the live statistics: reset them and its output moves.
    block.fold_batch_norm = True
    for layer in block._flatten_layers():
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.zeros(layer.moving_mean.shape, "float32"))
            layer.moving_variance.assign(np.ones(layer.moving_variance.shape, "float32"))
    assert np.abs(to_numpy(block(x, training=False)) - folded).max() > 1e-2


def test_training_mode_does_not_fold():
    block = _with_moved_statistics(DownBlock(4, 2), rand(4, 8, 8, 2))
    y = to_numpy(block(rand(4, 8, 8, 2), training=True))
    block.fold_batch_norm = False
    np.testing.assert_allclose(to_numpy(block(rand(4, 8, 8, 2), training=True)), y,
                               rtol=1e-4, atol=1e-4)


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


def test_up_block_inference_takes_the_subpixel_path(monkeypatch):
    from lsa_keras.layers import folding

    calls = []
    real = folding.subpixel_upsampling
    monkeypatch.setattr(folding, "subpixel_upsampling",
                        lambda x, k: calls.append(tuple(k.shape)) or real(x, k))
    block = _with_moved_statistics(UpBlock(4, 2), rand(2, 5, 5, 3))
    folded = to_numpy(block(rand(2, 5, 5, 3), training=False))
    assert calls and set(calls) == {(5, 5, 4, 3)}
    block.fold_batch_norm = False
    np.testing.assert_allclose(folded, to_numpy(block(rand(2, 5, 5, 3), training=False)),
                               rtol=1e-5, atol=1e-5)
