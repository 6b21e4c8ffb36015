"""TemporalDense: one dense layer shared over time."""

import numpy as np
import pytest

from lsa_keras.layers import TemporalDense
from tests.test_case import rand, run_layer_test, to_numpy

pytestmark = pytest.mark.backend


def test_temporal_dense_is_shared_over_time():
    layer = TemporalDense(5)
    x = rand(2, 3, 7)
    y = to_numpy(layer(x))
    # atol: float32 summation order differs between the two shapes (1.5e-8 on a near-zero
    # output under JAX at XLA's optimisation level 0, which the JAX test stage uses).
    np.testing.assert_allclose(y[:, 1], to_numpy(layer(x[:, 1:2]))[:, 0], rtol=1e-6,
                               atol=1e-6)
    run_layer_test(layer, x)
    with pytest.raises(ValueError):
        TemporalDense(5)(rand(2, 7))
