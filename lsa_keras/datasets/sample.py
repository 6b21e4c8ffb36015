"""A small real sample of MNIST that ships with the package, so demos and tests run offline.

It holds 500 images per digit from the protocol's training part, 100 per digit from its
validation part (seed 30101990, last 10% of the shuffled training set) and 200 per digit from
the test set, with their indices into the original files. Rebuild it from the IDX files with
``python -m lsa_keras.datasets.sample --data-dir DIR`` (DIR holding the MNIST IDX files).
"""

import argparse
import os

import numpy as np

from lsa_keras.datasets.mnist import load_mnist
from lsa_keras.datasets.protocol import shuffled_train_val_indices

SAMPLE_PATH = os.path.join(os.path.dirname(__file__), "mnist_sample.npz")
PER_CLASS = {"train": 500, "val": 100, "test": 200}


def load_mnist_sample():
    """The shipped MNIST sample.

    Returns:
        dict of uint8 arrays: ``x_train (5000, 28, 28, 1)``, ``y_train``, ``x_val (1000, ...)``,
        ``y_val``, ``x_test (2000, ...)``, ``y_test``, and ``*_index``, the positions of the
        images in the original MNIST training (train, val) and test files.
    """
    if not os.path.isfile(SAMPLE_PATH):
        raise FileNotFoundError(
            f"The shipped MNIST sample is missing ({SAMPLE_PATH}); reinstall lsa_keras."
        )
    with np.load(SAMPLE_PATH, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _first_per_class(indices, labels, n):
    return np.sort(np.concatenate([indices[labels[indices] == c][:n] for c in range(10)]))


def build_mnist_sample(data_dir, path=SAMPLE_PATH):
    """Draw the sample from the full MNIST in ``data_dir`` and write it to ``path``."""
    (x_train, y_train), (x_test, y_test) = load_mnist(data_dir)
    train_idx, val_idx = shuffled_train_val_indices(len(x_train))
    parts = {
        "train": (x_train, y_train, _first_per_class(train_idx, y_train, PER_CLASS["train"])),
        "val": (x_train, y_train, _first_per_class(val_idx, y_train, PER_CLASS["val"])),
        "test": (x_test, y_test, _first_per_class(np.arange(len(x_test)), y_test, PER_CLASS["test"])),
    }
    arrays = {}
    for name, (x, y, idx) in parts.items():
        arrays.update({f"x_{name}": x[idx], f"y_{name}": y[idx], f"{name}_index": idx.astype("int32")})
    np.savez_compressed(path, **arrays)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--out", default=SAMPLE_PATH)
    args = parser.parse_args(argv)
    print(build_mnist_sample(args.data_dir, args.out))


if __name__ == "__main__":
    main()
