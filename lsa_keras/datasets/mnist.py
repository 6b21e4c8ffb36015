"""MNIST from a local folder of the original IDX files, or downloaded by Keras."""

import os

import numpy as np

from lsa_keras.datasets.idx import read_idx

DATA_DIR_ENV = "LSA_KERAS_DATA_DIR"

_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def _find(folder, stem):
    for candidate in (stem + ".gz", stem):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def _mnist_folder(data_dir):
    for folder in (os.path.join(data_dir, "mnist"), data_dir):
        if _find(folder, _FILES["x_train"]):
            return folder
    raise FileNotFoundError(
        f"No MNIST files in {data_dir!r} or {os.path.join(data_dir, 'mnist')!r}: expected "
        f"{', '.join(s + '.gz' for s in _FILES.values())} (gzip optional)."
    )


def load_mnist(data_dir=None):
    """Load MNIST as uint8 images ``(n, 28, 28, 1)`` and uint8 labels ``(n,)``.

    Args:
        data_dir: folder holding the four IDX files (``*.gz`` or uncompressed), or a folder
            with an ``mnist/`` subfolder holding them. Defaults to the ``LSA_KERAS_DATA_DIR``
            environment variable; without either, ``keras.datasets.mnist`` downloads the data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` in the original order.
    """
    data_dir = data_dir or os.environ.get(DATA_DIR_ENV)
    if data_dir:
        folder = _mnist_folder(data_dir)
        arrays = {}
        for key, stem in _FILES.items():
            path = _find(folder, stem)
            if path is None:
                raise FileNotFoundError(f"MNIST file {stem}(.gz) is missing from {folder!r}.")
            arrays[key] = read_idx(path)
    else:
        import keras

        from lsa_keras.datasets.download import keras_download

        (x_train, y_train), (x_test, y_test) = keras_download(
            "MNIST", keras.datasets.mnist.load_data, DATA_DIR_ENV)
        arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8 or len(x) != len(y):
            raise ValueError(
                f"MNIST {split} images have shape {x.shape} and dtype {x.dtype} with {len(y)} "
                "labels; expected (n, 28, 28) uint8 with n labels."
            )
    return (
        (arrays["x_train"][..., None], arrays["y_train"].astype("uint8")),
        (arrays["x_test"][..., None], arrays["y_test"].astype("uint8")),
    )
