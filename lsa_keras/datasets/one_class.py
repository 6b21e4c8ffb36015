"""One dispatch from a dataset name to its one-class split: the data every command trains on."""

import functools
import os
from typing import Any

import numpy as np

DATASETS = ("mnist", "mnist-sample", "cifar10", "folder")
# "tfds:NAME" names any TensorFlow Datasets image-classification dataset (load_tfds).
TFDS_PREFIX = "tfds:"

DATA_NOTES = {
    "mnist": "original MNIST IDX files",
    "mnist-sample": "MNIST sample shipped with lsa_keras (500/100/200 images per digit)",
    "cifar10": "CIFAR-10 images read from the data folder (or Keras' download)",
}


@functools.lru_cache(maxsize=1)
def _labelled(dataset, data_dir):
    # Kept for the next call: a reproduction runs one class after another on the same data.
    from lsa_keras import datasets

    return {"mnist": datasets.load_mnist, "cifar10": datasets.load_cifar10}[dataset](data_dir)


def _class_number(normal_class):
    if normal_class is None:
        raise ValueError("--normal-class is required for this dataset.")
    try:
        c = int(normal_class)
    except (TypeError, ValueError):
        raise ValueError(f"--normal-class must be a class number 0-9, got {normal_class!r}.") from None
    if not 0 <= c <= 9:
        raise ValueError(f"--normal-class must be 0-9, got {c}.")
    return c


def load_one_class(dataset: str, normal_class: int | str | None, data_dir: str | None = None,
                   image_shape: tuple[int, int, int] | None = None,
                   lazy: bool = False, download: bool = True) -> dict[str, Any]:
    """The one-class split of a dataset under the paper's protocol.

    Args:
        dataset: ``"mnist"``, ``"cifar10"`` (full data from ``data_dir``, or Keras' download),
            ``"mnist-sample"`` (ships with lsa_keras) or ``"folder"`` (images in ``data_dir``:
            one subfolder per class, or a flat folder of normal images), or ``"tfds:NAME"``
            (a TensorFlow Datasets dataset, see :func:`~lsa_keras.datasets.load_tfds`).
        normal_class: the normal class, 0-9; for ``"folder"``, a class folder's name; for
            ``"tfds:NAME"``, a label number or a class name of the dataset.
        data_dir: folder with the data; for ``"tfds:NAME"``, TFDS' data folder (default
            TFDS' own).
        image_shape: ``(h, w, c)`` the images of a ``"folder"`` are resized to; default
            the ``mnist`` architecture's ``(28, 28, 1)``. For ``"tfds:NAME"``: the shape to
            resize to, default the dataset's own.
        lazy: for a ``"folder"``: ``x_train``, ``x_val`` and ``x_test`` are
            :class:`~lsa_keras.datasets.ImageFiles`, read from disk as they are indexed, not
            arrays (the same split and images), so a folder of any size fits in memory.
        download: for ``"tfds:NAME"``: download and prepare the dataset when ``data_dir`` does
            not hold it prepared; ``False`` reads prepared data only.

    Returns:
        dict with uint8 ``x_train`` ``(n_train, h, w, c)``, ``x_val`` ``(n_val, h, w, c)``,
        ``x_test`` ``(n_test, h, w, c)`` (``None`` for a flat folder), ``novel_test``
        ``(n_test,)`` int32, 1 = novel (or ``None``), the ``architecture`` that takes the
        images (``None`` for a folder resized to another shape), ``dataset``,
        ``normal_class`` and a ``note`` on the data; for ``"tfds:NAME"`` also
        ``normal_class_name`` and ``class_names`` from the dataset's metadata.

    Raises:
        ValueError: an unknown dataset, a class out of range or not in the folder, a
            missing ``data_dir`` for a folder, or fewer than 10 normal images.
        FileNotFoundError: the data is not where ``data_dir`` says.
        OSError: downloading a TensorFlow Datasets dataset failed.
    """
    from lsa_keras import datasets

    if isinstance(dataset, str) and dataset.startswith(TFDS_PREFIX):
        from lsa_keras.datasets.tfds import load_tfds

        return load_tfds(dataset[len(TFDS_PREFIX):], normal_class, data_dir=data_dir,
                         download=download, image_shape=image_shape)
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)} or "
                         f"{TFDS_PREFIX}NAME.")
    if dataset == "folder":
        split = _folder_split(normal_class, data_dir, image_shape, lazy)
        return {**split, "dataset": dataset, "normal_class": normal_class}
    c = _class_number(normal_class)
    if dataset == "mnist-sample":
        d = datasets.load_mnist_sample()
        split = {"x_train": d["x_train"][d["y_train"] == c], "x_val": d["x_val"][d["y_val"] == c],
                 "x_test": d["x_test"], "novel_test": (d["y_test"] != c).astype("int32")}
        architecture = "mnist"
    else:
        (x, y), (xt, yt) = _labelled(dataset, data_dir)
        split = datasets.one_class_split(x, y, xt, yt, c)
        architecture = dataset
    return {**split, "architecture": architecture, "dataset": dataset, "normal_class": c,
            "note": DATA_NOTES[dataset]}


def _folder_split(normal_class, data_dir, image_shape, lazy=False):
    from lsa_keras.datasets.image_folder import image_files_in, load_image_folder
    from lsa_keras.datasets.protocol import shuffled_train_val_indices
    from lsa_keras.models.lsa.lsa_networks import image_architecture_of, input_shape_of

    if not data_dir:
        raise ValueError("--dataset folder needs --data-dir, the folder of images.")
    if not os.path.exists(data_dir):
        raise ValueError(f"--data-dir {data_dir} does not exist.")
    shape = tuple(image_shape) if image_shape is not None else input_shape_of("mnist")
    if lazy:
        from lsa_keras.datasets.image_folder import folder_layout

        images = image_files_in(data_dir, shape[:2], shape[2])
        labels, class_names = folder_layout(images.names, data_dir)
        take = images.subset
    else:
        images, labels, class_names = load_image_folder(data_dir, shape[:2], shape[2])
        take = images.__getitem__
    if labels is None:
        normal = np.arange(len(images))
    else:
        normal = np.flatnonzero(labels == _folder_class(class_names, normal_class))
    if len(normal) < 10:
        raise ValueError(f"{data_dir} has {len(normal)} normal images; at least 10 are needed.")
    pos_train, pos_val = shuffled_train_val_indices(len(normal))
    train, val = normal[pos_train], normal[pos_val]
    out = {"x_train": take(train), "x_val": take(val), "x_test": None, "novel_test": None,
           "architecture": image_architecture_of(shape), "note": f"image folder {data_dir}"}
    if labels is not None:
        test = np.concatenate([val, np.flatnonzero(labels != labels[normal[0]])])
        out["x_test"] = take(test)
        out["novel_test"] = (labels[test] != labels[normal[0]]).astype("int32")
    return out


def _folder_class(class_names, normal_class):
    if normal_class is None:
        raise ValueError(f"the folder has classes {class_names}; choose one with --normal-class.")
    if str(normal_class) in class_names:
        return class_names.index(str(normal_class))
    raise ValueError(f"--normal-class {normal_class!r} is not a class folder; classes: {class_names}.")
