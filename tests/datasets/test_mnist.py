import gzip
import hashlib
import os

import numpy as np
import pytest

from lsa_keras.datasets import DATA_DIR_ENV, load_cifar10, load_mnist, load_mnist_sample, read_idx
from tests.test_case import write_idx


def fake_mnist(folder, n_train=12, n_test=5):
    rng = np.random.RandomState(0)
    os.makedirs(folder, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": rng.randint(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.randint(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.randint(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.randint(0, 10, n_test),
    }
    for name, a in arrays.items():
        write_idx(os.path.join(folder, name + ".gz"), a)
    return arrays


def test_read_idx_round_trip(tmp_path):
    a = np.arange(24, dtype="uint8").reshape(2, 3, 4)
    for compress in (True, False):
        path = write_idx(str(tmp_path / ("a.gz" if compress else "a")), a, compress)
        np.testing.assert_array_equal(read_idx(path), a)


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    a = np.zeros((3, 28, 28), "uint8")
    path = write_idx(str(tmp_path / "x.gz"), a)
    with gzip.open(path, "rb") as f:
        data = f.read()
    with gzip.open(path, "wb") as f:
        f.write(data[:-10])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)
    other = tmp_path / "y"
    other.write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(str(other))
    broken = tmp_path / "z.gz"
    broken.write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(ValueError, match="gzip"):
        read_idx(str(broken))
    with pytest.raises(FileNotFoundError):
        read_idx(str(tmp_path / "missing.gz"))


def test_load_mnist_from_a_folder(tmp_path):
    arrays = fake_mnist(str(tmp_path / "mnist"))
    (x, y), (xt, yt) = load_mnist(str(tmp_path))  # parent folder with mnist/ inside
    assert x.shape == (12, 28, 28, 1) and x.dtype == np.uint8 and xt.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(y, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x[..., 0], arrays["train-images-idx3-ubyte"])
    os.remove(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz")
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        load_mnist(str(tmp_path / "mnist"))
    with pytest.raises(FileNotFoundError, match="No MNIST files"):
        load_mnist(str(tmp_path / "nothing"))


def test_shipped_sample_is_balanced_and_small():
    s = load_mnist_sample()
    assert s["x_train"].shape == (5000, 28, 28, 1) and s["x_train"].dtype == np.uint8
    assert (np.bincount(s["y_train"]) == 500).all()
    assert (np.bincount(s["y_val"]) == 100).all()
    assert (np.bincount(s["y_test"]) == 200).all()
    assert not set(s["train_index"]) & set(s["val_index"])


@pytest.mark.full_data
def test_full_mnist_matches_canonical_checksums(data_dir):
    (x, y), (xt, yt) = load_mnist(data_dir)
    assert x.shape == (60000, 28, 28, 1) and xt.shape == (10000, 28, 28, 1)
    # MD5 of the uncompressed payloads = canonical file MD5 minus the header, so compare data.
    assert hashlib.md5(y.tobytes()).hexdigest() == hashlib.md5(
        read_idx(os.path.join(data_dir, "mnist", "train-labels-idx1-ubyte.gz")).tobytes()
    ).hexdigest()
    with gzip.open(os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz"), "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == "2646ac647ad5339dbf082846283269ea"


@pytest.mark.full_data
def test_shipped_sample_is_real_mnist(data_dir):
    (x, y), (xt, yt) = load_mnist(data_dir)
    s = load_mnist_sample()
    np.testing.assert_array_equal(s["x_train"], x[s["train_index"]])
    np.testing.assert_array_equal(s["y_val"], y[s["val_index"]])
    np.testing.assert_array_equal(s["x_test"], xt[s["test_index"]])


@pytest.mark.parametrize("loader,name", [(load_mnist, "mnist"), (load_cifar10, "cifar10")])
def test_a_failed_download_says_how_to_use_a_local_copy(loader, name, monkeypatch):
    import keras

    def offline():
        raise Exception("URL fetch failure on https://example.invalid/x.npz: None -- "
                        "[Errno -2] Name or service not known")

    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", offline)
    with pytest.raises(ConnectionError, match=f"Could not download .*URL fetch failure.*"
                                              f"data_dir=.*{DATA_DIR_ENV}"):
        loader()


def test_read_idx_bounds_what_it_reads(tmp_path, monkeypatch):
    """A gzip file that expands to more than read_idx reads (lsa_keras.datasets.idx.MAX_BYTES,
    2 GiB) was read whole before its size was checked. Here with the limit lowered to 1 MiB: a
    50 KB file expanding to 8 MiB, and a header declaring a 4-dimensional array of 2^32-1
    per side (whose byte count overflowed int64), are refused from the header."""
    from lsa_keras.datasets import idx

    monkeypatch.setattr(idx, "MAX_BYTES", 2**20)
    path = write_idx(str(tmp_path / "big.gz"), np.zeros((8, 1024, 1024), "uint8"))
    assert os.path.getsize(path) < 100_000
    with pytest.raises(ValueError, match=r"declares an array of shape \(8, 1024, 1024\) "
                                         r"\(8388608 bytes\), more than the 1048576 bytes"):
        read_idx(path)
    np.testing.assert_array_equal(read_idx(path, max_bytes=2**23), np.zeros((8, 1024, 1024)))
    header = tmp_path / "huge"
    header.write_bytes(bytes([0, 0, 0x08, 4]) + b"\xff\xff\xff\xff" * 4 + b"\x00" * 16)
    with pytest.raises(ValueError, match="more than the 1048576 bytes"):
        read_idx(str(header))
