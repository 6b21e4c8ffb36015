import numpy as np
import pytest

from lsa_keras.layers import MaskedDense, PrecomputedMaskedDense
from tests.test_case import to_numpy

pytestmark = pytest.mark.backend


def built_pair(units, d, ci):
    """A built MaskedDense (type B), its precomputed copy, and an input ``(n, d, ci)``."""
    source = MaskedDense(units, "B")
    x = np.random.RandomState(0).rand(3, d, ci).astype("float32")
    source(x)
    copy = PrecomputedMaskedDense(source)
    copy(x)
    return source, copy, x


def assert_same_outputs(copy, source, x):
    np.testing.assert_allclose(to_numpy(copy(x)), to_numpy(source(x)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mask_type,d,ci,co,groups", [("A", 13, 1, 4, 8), ("B", 13, 3, 5, 4),
                                                      ("B", 64, 2, 3, 8), ("B", 6, 2, 3, 1)])
def test_equals_the_source_layer(mask_type, d, ci, co, groups):
    source = MaskedDense(co, mask_type)
    source.evaluation_groups = groups
    x = np.random.RandomState(0).rand(4, d, ci).astype("float32")
    y = to_numpy(source(x))
    copy = PrecomputedMaskedDense(source)
    np.testing.assert_allclose(to_numpy(copy(x)), y, rtol=1e-6, atol=1e-6)
    assert copy.trainable_weights == [] and copy.compute_output_shape(x.shape) == y.shape


def test_refresh_copies_new_weights():
    source, copy, x = built_pair(4, 9, 2)
    source.set_weights([w * 2 + 0.1 for w in source.get_weights()])
    stale = to_numpy(copy(x))
    assert np.abs(stale - to_numpy(source(x))).max() > 1e-3  # a copy, until refreshed
    copy.refresh()
    assert_same_outputs(copy, source, x)


def test_needs_a_built_masked_dense():
    with pytest.raises(ValueError, match="built MaskedDense"):
        PrecomputedMaskedDense(MaskedDense(4))


def test_refresh_lays_out_the_slabs_only_when_the_kernel_changed():
    source, copy, x = built_pair(3, 7, 2)
    assert copy.refresh() is False
    source.bias.assign(source.bias + 1.0)  # the bias is always copied
    assert copy.refresh() is False
    assert_same_outputs(copy, source, x)
    kernel = to_numpy(source.kernel).copy()
    kernel[-1, 0, 0] += 1e-3  # one weight of the last block
    source.assign_kernel(kernel)
    assert copy.refresh() is True
    assert_same_outputs(copy, source, x)
