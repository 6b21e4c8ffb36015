import numpy as np
import pytest
from keras import ops

from lsa_keras.models.lsa.lsa_sampler import sample_codes, sample_images
from tests.test_case import tiny_lsa

pytestmark = pytest.mark.backend


def test_codes_are_bin_centres_and_reproducible():
    model = tiny_lsa(code_length=8, bins=10)
    z = sample_codes(model, 5, seed=3)
    assert z.shape == (5, 8) and z.dtype == np.float32
    np.testing.assert_allclose(z * 10 - 0.5, np.round(z * 10 - 0.5), atol=1e-5)
    np.testing.assert_array_equal(z, sample_codes(model, 5, seed=3))
    images = sample_images(model, 2, seed=0)
    assert images.shape == (2, 28, 28, 1) and images.min() >= 0 and images.max() <= 1


def test_first_variable_follows_the_estimator():
    # z_0's distribution does not depend on any other variable: compare with softmax(h(.)[0]).
    model = tiny_lsa(code_length=4, bins=5)
    logits = ops.convert_to_numpy(model.estimator(np.zeros((1, 4, 1), "float32")))[0, 0]
    p = np.exp(logits - logits.max())
    p /= p.sum()
    z = sample_codes(model, 4000, seed=0)
    freq = np.bincount((z[:, 0] * 5).astype(int), minlength=5) / 4000
    np.testing.assert_allclose(freq, p, atol=0.03)


def test_bad_arguments():
    model = tiny_lsa()
    with pytest.raises(ValueError, match="within_bin"):
        sample_codes(model, 2, within_bin="edge")
    with pytest.raises(ValueError, match="positive integer"):
        sample_codes(model, 0)
