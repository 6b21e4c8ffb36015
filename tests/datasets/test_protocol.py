import numpy as np
import pytest

from lsa_keras.datasets import one_class_split, shuffled_train_val_indices


def test_split_sizes_disjoint_and_deterministic():
    train, val = shuffled_train_val_indices(1000)
    assert len(train) == 900 and len(val) == 100
    assert not set(train) & set(val) and set(train) | set(val) == set(range(1000))
    train2, val2 = shuffled_train_val_indices(1000)
    np.testing.assert_array_equal(train, train2)
    np.testing.assert_array_equal(val, val2)
    assert not np.array_equal(train, shuffled_train_val_indices(1000, seed=1)[0])


def test_matches_the_reference_shuffle():
    # The reference seeds numpy's global generator with 30101990 and shuffles arange(n).
    np.random.seed(30101990)
    idx = np.arange(500)
    np.random.shuffle(idx)
    np.testing.assert_array_equal(shuffled_train_val_indices(500)[1], idx[450:])


def test_one_class_split():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 300)
    x = np.arange(300)[:, None]
    yt = rng.randint(0, 3, 50)
    split = one_class_split(x, y, np.arange(50)[:, None], yt, normal_class=1)
    assert (y[split["x_train"][:, 0]] == 1).all() and (y[split["x_val"][:, 0]] == 1).all()
    assert not set(split["x_train"][:, 0]) & set(split["x_val"][:, 0])
    np.testing.assert_array_equal(split["novel_test"], (yt != 1).astype(int))
    with pytest.raises(ValueError, match="normal_class"):
        one_class_split(x, y, x, y, normal_class=7)
