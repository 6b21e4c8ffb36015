"""CIFAR-10 from a local image-folder tree (or its tar archive), or downloaded by Keras."""

import os

import numpy as np

from lsa_keras.datasets.decoding import decode_images
from lsa_keras.datasets.image_folder import is_archive, read_tree
from lsa_keras.datasets.mnist import DATA_DIR_ENV

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
_SIZES = {"train": 5000, "test": 1000}


def _cifar_source(data_dir):
    """The first of the known layouts found under ``data_dir``: a tar archive or a folder."""
    candidates = [
        data_dir,
        os.path.join(data_dir, "cifar10-jpeg", "cifar10-jpeg.tar.gz"),
        os.path.join(data_dir, "cifar10-jpeg.tar.gz"),
        os.path.join(data_dir, "cifar10-jpeg"),
        os.path.join(data_dir, "cifar10"),
    ]
    for path in candidates:
        if is_archive(path) or os.path.isdir(os.path.join(path, "train")):
            return path
    raise FileNotFoundError(
        f"No CIFAR-10 image tree in {data_dir!r}: expected a folder with train/<class>/*.jpg and "
        "test/<class>/*.jpg, or cifar10-jpeg.tar.gz holding them (directly or under "
        "cifar10-jpeg/)."
    )


def _split(files, split, source):
    prefix = split + "/"
    names = [n for n in files if n.startswith(prefix)]
    classes = {n[len(prefix):].split("/")[0] for n in names}
    if classes != set(CIFAR10_CLASSES):
        missing = sorted(set(CIFAR10_CLASSES) - classes)
        extra = sorted(classes - set(CIFAR10_CLASSES))
        raise ValueError(
            f"{source}: {split}/ must hold one folder per CIFAR-10 class "
            f"({', '.join(CIFAR10_CLASSES)}); missing {missing}, unexpected {extra}."
        )
    labels = np.array(
        [CIFAR10_CLASSES.index(n[len(prefix):].split("/")[0]) for n in names], dtype="uint8"
    )
    counts = np.bincount(labels, minlength=10)
    if (counts != _SIZES[split]).any():
        short = {CIFAR10_CLASSES[c]: int(k) for c, k in enumerate(counts) if k != _SIZES[split]}
        raise ValueError(
            f"{source}: {split}/ should hold {_SIZES[split]} images per class, found {short}; "
            "the copy is incomplete. Download or extract it again."
        )
    images = decode_images([files[n] for n in names], names, channels=3)
    if images.shape[1:] != (32, 32, 3):
        raise ValueError(f"{source}: CIFAR-10 images must be 32x32 RGB, got {images.shape[1:]}.")
    return images, labels


def load_cifar10(data_dir=None):
    """Load CIFAR-10 as uint8 images ``(n, 32, 32, 3)`` and uint8 labels ``(n,)``.

    Args:
        data_dir: a folder with ``train/<class>/*`` and ``test/<class>/*`` image files (class
            names as in :data:`CIFAR10_CLASSES`), a ``.tar.gz`` of that tree, or a folder
            holding ``cifar10-jpeg/cifar10-jpeg.tar.gz``. Defaults to the ``LSA_KERAS_DATA_DIR`` environment variable; without either,
            ``keras.datasets.cifar10`` downloads the original data.

    The offline copy is a JPEG re-encoding (quality about 75) of the original images, with the
    images of each class in another order: results on it are close to, not the same as, results
    on the original CIFAR-10, and must be labelled as such. Images are ordered by class, then
    by file name.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 50,000 and 10,000 images.
    """
    data_dir = data_dir or os.environ.get(DATA_DIR_ENV)
    if not data_dir:
        import keras

        from lsa_keras.datasets.download import keras_download

        (x_train, y_train), (x_test, y_test) = keras_download(
            "CIFAR-10", keras.datasets.cifar10.load_data, DATA_DIR_ENV)
        return (x_train, y_train.reshape(-1).astype("uint8")), (
            x_test, y_test.reshape(-1).astype("uint8"))
    source = _cifar_source(os.fspath(data_dir))
    files = read_tree(source)
    return _split(files, "train", source), _split(files, "test", source)
