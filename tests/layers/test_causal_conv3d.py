"""CausalConv3D: causal in time, and its round trip."""

import numpy as np
import pytest

from lsa_keras.layers import CausalConv3D
from tests.test_case import rand, run_layer_test, to_numpy

pytestmark = pytest.mark.backend


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
    run_layer_test(CausalConv3D(3, strides=(1, 2, 2)), rand(2, 4, 6, 6, 2))
