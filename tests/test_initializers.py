"""Initial weights: today's PyTorch defaults and those of torch 0.4.1 (the authors' version)."""

import math

import keras
import numpy as np
import pytest

from lsa_keras.initializers import apply_initialization, sublayers
from lsa_keras.models import LSA


def _layers(model, kind):
    return [layer for layer in sublayers((model.encoder, model.decoder, model.estimator))
            if isinstance(layer, kind)]


def test_default_keeps_unit_batch_norm_scales():
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    gammas = _layers(model, keras.layers.BatchNormalization)
    assert gammas
    for layer in gammas:
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.gamma), 1.0)


def test_torch_0_4_1_redraws_batch_norm_scales_and_transposed_kernels():
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist", initialization="torch-0.4.1")
    norms = _layers(model, keras.layers.BatchNormalization)
    for layer in norms:
        gamma = keras.ops.convert_to_numpy(layer.gamma)
        assert gamma.min() >= 0.0 and gamma.max() < 1.0
        assert gamma.std() > 0.1  # uniform, not a constant
    transposed = _layers(model, keras.layers.Conv2DTranspose)
    assert transposed
    for layer in transposed:
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        k_h, k_w, out_channels, in_channels = kernel.shape
        bound = 1.0 / math.sqrt(k_h * k_w * in_channels)
        # Fills its +-bound range: neither today's (out-channel) bound nor a narrower draw.
        assert np.abs(kernel).max() <= bound
        assert np.abs(kernel).max() > 0.9 * bound
        assert kernel.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_torch_0_4_1_is_seeded_by_keras_seed():
    draws = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        model = LSA.from_architecture("mnist", initialization="torch-0.4.1")
        draws.append([keras.ops.convert_to_numpy(w) for w in model.decoder.weights])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)


def test_unknown_initialization_is_refused():
    with pytest.raises(ValueError, match="torch-0.4.1"):
        apply_initialization([], "glorot")


def test_unbuilt_layers_are_refused():
    with pytest.raises(ValueError, match="not built"):
        apply_initialization([keras.Sequential([keras.layers.BatchNormalization()])], "torch-0.4.1")
