import numpy as np
import pytest

from lsa_keras.datasets import CIFAR10_CLASSES, load_cifar10
from lsa_keras.datasets import cifar10 as cifar10_module
from tests.datasets.test_image_folder import make_tar, write_image


def fake_cifar_tree(root, train=3, test=2, skip_class=None):
    rng = np.random.RandomState(0)
    for split, n in (("train", train), ("test", test)):
        for c in CIFAR10_CLASSES:
            if c == skip_class:
                continue
            for i in range(n):
                write_image(str(root / split / c / f"{i:04d}.png"),
                            rng.randint(0, 256, (32, 32, 3)).astype("uint8"))


@pytest.fixture
def small_sizes(monkeypatch):
    monkeypatch.setattr(cifar10_module, "_SIZES", {"train": 3, "test": 2})


def test_folder_and_archive_layouts(tmp_path, small_sizes):
    fake_cifar_tree(tmp_path / "cifar10")
    (x, y), (xt, yt) = load_cifar10(tmp_path)
    assert x.shape == (30, 32, 32, 3) and x.dtype == np.uint8 and xt.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(np.bincount(y), [3] * 10)
    np.testing.assert_array_equal(yt, np.repeat(np.arange(10), 2))
    (tmp_path / "cifar10-jpeg").mkdir()
    make_tar(tmp_path / "cifar10", tmp_path / "cifar10-jpeg" / "cifar10-jpeg.tar.gz")
    (tmp_path / "cifar10").rename(tmp_path / "moved")
    (x2, y2), _ = load_cifar10(tmp_path)
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


def test_missing_class_incomplete_copy_and_missing_folder(tmp_path, small_sizes):
    fake_cifar_tree(tmp_path / "a" / "cifar10", skip_class="frog")
    with pytest.raises(ValueError, match="missing \\['frog'\\]"):
        load_cifar10(tmp_path / "a")
    fake_cifar_tree(tmp_path / "b" / "cifar10", train=2)
    with pytest.raises(ValueError, match="incomplete"):
        load_cifar10(tmp_path / "b")
    with pytest.raises(FileNotFoundError, match="No CIFAR-10"):
        load_cifar10(tmp_path / "c")


def test_offline_copy(data_dir):
    (x, y), (xt, yt) = load_cifar10(data_dir)
    assert x.shape == (50000, 32, 32, 3) and xt.shape == (10000, 32, 32, 3)
    np.testing.assert_array_equal(np.bincount(y), [5000] * 10)
    np.testing.assert_array_equal(np.bincount(yt), [1000] * 10)
    assert 100 < x.mean() < 140  # CIFAR-10's mean pixel is about 120
