"""The one-class protocol of the paper (Sec. 4.1) for any labelled image dataset."""

import numpy as np

PROTOCOL_SEED = 30101990
VALIDATION_FRACTION = 0.1


def shuffled_train_val_indices(n, seed=PROTOCOL_SEED, validation_fraction=VALIDATION_FRACTION):
    """Shuffle ``range(n)`` as the reference does; the last ``validation_fraction`` validate.

    Returns:
        ``(train_indices, val_indices)``, disjoint int arrays covering ``range(n)``.
    """
    if n <= 1 or not 0.0 < validation_fraction < 1.0:
        raise ValueError(
            f"need n >= 2 and 0 < validation_fraction < 1, got n={n}, "
            f"validation_fraction={validation_fraction}."
        )
    indices = np.arange(n)
    np.random.RandomState(seed).shuffle(indices)
    cut = int((1.0 - validation_fraction) * n)
    return indices[:cut], indices[cut:]


def one_class_split(
    x_train, y_train, x_test, y_test, normal_class, seed=PROTOCOL_SEED,
    validation_fraction=VALIDATION_FRACTION, as_dataset=False, batch_size=256,
):
    """Split a labelled dataset for one-class novelty detection.

    The training indices are shuffled with ``seed``; the first 90% give the normal-class
    training set, the last 10% the normal-class validation set; the whole test set is scored,
    every other class being novel.

    Args:
        x_train, y_train: training images ``(n, ...)`` (an array, or
            :class:`~lsa_keras.datasets.ImageFiles`) and integer labels ``(n,)``.
        x_test, y_test: test images and labels.
        normal_class: the label that is normal.
        as_dataset: give ``x_train``, ``x_val`` and ``x_test`` as ``tf.data.Dataset``\\ s of
            batches of ``batch_size`` images, in the order the arrays would have (ImageFiles
            are then read from disk as the datasets are iterated).

    Returns:
        dict with ``x_train``, ``x_val`` (normal class only), ``x_test`` and ``novel_test``
        (``(n_test,)`` int, 1 for novel).
    """
    y_train, y_test = np.asarray(y_train).reshape(-1), np.asarray(y_test).reshape(-1)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError("images and labels must have the same length.")
    if normal_class not in set(np.unique(y_train).tolist()):
        raise ValueError(
            f"normal_class {normal_class!r} does not occur in the training labels "
            f"{sorted(np.unique(y_train).tolist())}."
        )
    train_idx, val_idx = shuffled_train_val_indices(len(x_train), seed, validation_fraction)
    train_idx = train_idx[y_train[train_idx] == normal_class]
    val_idx = val_idx[y_train[val_idx] == normal_class]
    novel = (y_test != normal_class).astype("int32")
    if not as_dataset:
        return {"x_train": x_train[train_idx], "x_val": x_train[val_idx], "x_test": x_test,
                "novel_test": novel}
    return {"x_train": as_batches(x_train, train_idx, batch_size),
            "x_val": as_batches(x_train, val_idx, batch_size),
            "x_test": as_batches(x_test, np.arange(len(x_test)), batch_size),
            "novel_test": novel}


def as_batches(images, indices, batch_size=256):
    """``images[indices]`` as a ``tf.data.Dataset`` of batches of ``batch_size``; ImageFiles
    stay on disk until the dataset is iterated."""
    from lsa_keras.datasets.image_files import ImageFiles

    if isinstance(images, ImageFiles):
        return images.subset(indices).as_dataset(batch_size)
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(np.asarray(images)[indices]).batch(batch_size)
