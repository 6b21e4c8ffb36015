"""TorchDense: PyTorch's initialisation."""

import numpy as np
import pytest

from lsa_keras.layers import TorchDense
from tests.test_case import to_numpy

pytestmark = pytest.mark.backend


def test_dense_layers_use_pytorch_initialisation():
    layer = TorchDense(64)
    layer.build((None, 400))
    kernel, bias = (to_numpy(w) for w in layer.weights)
    bound = 1 / np.sqrt(400)
    assert np.abs(kernel).max() <= bound and np.abs(kernel).max() > 0.9 * bound
    assert np.abs(bias).max() <= bound and np.abs(bias).max() > 0.5 * bound
