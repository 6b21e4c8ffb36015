"""The tf.data pipelines that LSA.fit and the scorer feed arrays through."""

import numpy as np
import pytest

from lsa_keras.utils.fit_input import array_batches, training_batches


def _epochs(dataset, n):
    return [[batch.numpy().ravel().tolist() for batch in dataset] for _ in range(n)]


def test_training_batches_draw_a_new_order_each_epoch_and_the_seed_repeats_them():
    tf = pytest.importorskip("tensorflow")
    x = np.arange(10, dtype="float32")[:, None]
    tf.random.set_seed(3)
    epochs = _epochs(training_batches(x, 4), 3)
    for epoch in epochs:
        assert [len(b) for b in epoch] == [4, 4, 2]
        assert sorted(v for b in epoch for v in b) == list(range(10))
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]
    tf.random.set_seed(3)
    assert _epochs(training_batches(x, 4), 3) == epochs


def test_training_batches_without_shuffle_keep_the_arrays_order():
    pytest.importorskip("tensorflow")
    x = np.arange(10, dtype="float32")[:, None]
    expected = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert _epochs(training_batches(x, 4, shuffle=False), 2) == [expected, expected]
    assert _epochs(array_batches(x, 4), 1) == [expected]


def test_training_batches_keep_image_shape_and_dtype():
    pytest.importorskip("tensorflow")
    x = np.random.RandomState(0).rand(5, 3, 3, 1).astype("float32")
    batches = list(training_batches(x, 2, shuffle=False))
    assert [tuple(b.shape) for b in batches] == [(2, 3, 3, 1), (2, 3, 3, 1), (1, 3, 3, 1)]
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batches]), x)
