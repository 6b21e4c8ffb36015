import numpy as np
import pytest

from lsa_keras.layers import MaskedStackedConv
from tests.test_case import run_layer_test, to_numpy

pytestmark = pytest.mark.backend


def msc_params(d, ci, co, mask_type):
    sign = 1 if mask_type == "B" else -1
    return (3 * d * d + sign * d) // 2 * ci * co + d * co


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("d,ci,co", [(64, 1, 4), (64, 4, 4), (64, 4, 100), (5, 3, 2)])
def test_parameter_count_matches_supplement_formula(d, ci, co, mask_type):
    layer = MaskedStackedConv(co, mask_type)
    layer.build((None, 3, d, ci))
    assert layer.count_params() == msc_params(d, ci, co, mask_type)


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_autoregressive_and_causal_by_perturbation(mask_type):
    t, d, ci = 4, 6, 2
    layer = MaskedStackedConv(3, mask_type)
    rng = np.random.RandomState(0)
    x = rng.rand(2, t, d, ci).astype("float32")
    y = to_numpy(layer(x))
    for s in range(t):
        for i in range(d):
            x2 = x.copy()
            x2[:, s, i, :] += 1.0 + rng.rand(2, ci).astype("float32")
            changed = np.abs(to_numpy(layer(x2)) - y).max(axis=(0, 3)) > 1e-6  # (t, d)
            first = i + 1 if mask_type == "A" else i
            assert not changed[:s].any(), "an earlier step saw the future"
            assert not changed[s, :first].any(), "an earlier position at the same step changed"
            assert changed[s, first:].all(), "an allowed position at the same step did not change"
            if s + 1 < t:
                assert changed[s + 1].all(), "the next step must see every position"
            assert not changed[s + 2:].any(), "one layer reaches only one step ahead"


def test_round_trip():
    run_layer_test(
        MaskedStackedConv(4, "A", name="msc"), np.random.rand(2, 3, 7, 2).astype("float32")
    )
