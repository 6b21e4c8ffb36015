"""Data for the command line: the one-class split of a dataset or of a folder of images."""

import os

import numpy as np

DATASETS = ("mnist", "mnist-sample", "cifar10", "folder")
ARCHITECTURE_SHAPES = {"mnist": (28, 28, 1), "cifar10": (32, 32, 3)}


class UsageError(ValueError):
    """A problem with the command's arguments; reported in one line."""


def _folder_class(class_names, normal_class):
    if normal_class is None:
        raise UsageError(f"the folder has classes {class_names}; choose one with --normal-class.")
    if str(normal_class) in class_names:
        return class_names.index(str(normal_class))
    raise UsageError(f"--normal-class {normal_class!r} is not a class folder; classes: {class_names}.")


def one_class_data(dataset, normal_class, data_dir=None, image_shape=None):
    """The split for training and evaluation.

    Returns:
        dict with uint8 ``x_train``, ``x_val``, ``x_test`` (``None`` for a flat folder),
        ``novel_test`` (1 = novel, or ``None``), ``architecture`` and a ``note`` on the data.
    """
    from lsa_keras import datasets

    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}.")
    if dataset == "folder":
        return _folder_data(normal_class, data_dir, image_shape)
    if normal_class is None:
        raise UsageError("--normal-class is required for this dataset.")
    try:
        c = int(normal_class)
    except ValueError:
        raise UsageError(f"--normal-class must be a class number 0-9, got {normal_class!r}.") from None
    if not 0 <= c <= 9:
        raise UsageError(f"--normal-class must be 0-9, got {c}.")
    if dataset == "mnist-sample":
        d = datasets.load_mnist_sample()
        return {"x_train": d["x_train"][d["y_train"] == c], "x_val": d["x_val"][d["y_val"] == c],
                "x_test": d["x_test"], "novel_test": (d["y_test"] != c).astype("int32"),
                "architecture": "mnist",
                "note": "MNIST sample shipped with lsa_keras (500/100/200 images per digit)"}
    if dataset == "mnist":
        data = datasets.load_mnist(data_dir)
    else:
        data = datasets.load_cifar10(data_dir)
    (x, y), (xt, yt) = data
    split = datasets.one_class_split(x, y, xt, yt, c)
    from lsa_keras.reproduction import DATA_NOTES

    return {**split, "architecture": dataset, "note": DATA_NOTES[dataset]}


def _folder_data(normal_class, data_dir, image_shape):
    from lsa_keras.datasets import load_image_folder
    from lsa_keras.datasets.protocol import shuffled_train_val_indices

    if not data_dir:
        raise UsageError("--dataset folder needs --data-dir, the folder of images.")
    if not os.path.exists(data_dir):
        raise UsageError(f"--data-dir {data_dir} does not exist.")
    shape = image_shape
    if shape is None:
        shape = ARCHITECTURE_SHAPES["mnist"]
    images, labels, class_names = load_image_folder(data_dir, shape[:2], shape[2])
    if labels is None:
        normal = np.arange(len(images))
    else:
        normal = np.flatnonzero(labels == _folder_class(class_names, normal_class))
    if len(normal) < 10:
        raise UsageError(f"{data_dir} has {len(normal)} normal images; at least 10 are needed.")
    pos_train, pos_val = shuffled_train_val_indices(len(normal))
    train, val = normal[pos_train], normal[pos_val]
    out = {"x_train": images[train], "x_val": images[val], "x_test": None, "novel_test": None,
           "architecture": {1: "mnist", 3: "cifar10"}[shape[2]] if tuple(shape) in
           ARCHITECTURE_SHAPES.values() else None, "note": f"image folder {data_dir}"}
    if labels is not None:
        test = np.concatenate([val, np.flatnonzero(labels != labels[normal[0]])])
        out["x_test"] = images[test]
        out["novel_test"] = (labels[test] != labels[normal[0]]).astype("int32")
    return out
