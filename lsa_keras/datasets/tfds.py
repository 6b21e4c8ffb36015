"""Any TensorFlow Datasets image-classification dataset under the paper's one-class protocol."""

from __future__ import annotations

import contextlib
import difflib
import logging
import math
from typing import Any

import numpy as np

from lsa_keras.datasets.protocol import shuffled_train_val_indices

# Splits scored as the test set, the first one the dataset has.
TEST_SPLITS = ("test", "validation")


def load_tfds(name: str, normal_class: int | str, data_dir: str | None = None,
              download: bool = True, image_shape: tuple[int, int, int] | None = None,
              as_dataset: bool = False, batch_size: int = 256) -> dict[str, Any]:
    """The one-class split of a TensorFlow Datasets (TFDS) image-classification dataset.

    Any TFDS dataset whose examples have an ``image`` (``tfds.features.Image``) and a ``label``
    (``tfds.features.ClassLabel``) works, under the paper's protocol: the ``train`` split is
    read in its stored record order, its indices are shuffled with
    :data:`~lsa_keras.datasets.PROTOCOL_SEED`
    (:func:`~lsa_keras.datasets.shuffled_train_val_indices`), the normal-class images among the
    first 90% train and those among the last 10% validate;
    the whole ``test`` split (``validation`` for a dataset without one) is scored, every other
    class being novel. ``x_train`` and ``x_val`` keep the record order (the same in arrays and
    datasets).

    TFDS does not keep the original files' record order (it shuffles examples when it prepares
    a dataset), so the split of a TFDS dataset differs from that of the same data read in its
    original order: TFDS ``mnist`` gives the same images per class as
    :func:`~lsa_keras.datasets.load_mnist` (``--dataset mnist``, the original IDX files), but
    other ones in each of the training and validation sets. The IDX loader is the one that
    reproduces the paper's numbers.

    Args:
        name: a TFDS name, such as ``"mnist"``, ``"cifar10"`` or ``"fashion_mnist"``
            (``"name/config:version"`` too).
        normal_class: the normal class: a label number, or a class name from the dataset's
            metadata (``info.features["label"].names``; a string that is no class name is read
            as a label number).
        data_dir: TFDS' data folder; default TFDS' own (``$TFDS_DATA_DIR`` or
            ``~/tensorflow_datasets``).
        download: download and prepare the dataset into ``data_dir`` when it is not prepared
            there; ``False`` reads prepared data only.
        image_shape: ``(h, w, c)`` to resize the images to (bilinear, antialiased, rounded to
            uint8; converted between grayscale and RGB, an alpha channel dropped). Default the
            dataset's shape, which must then be an architecture's input: ``(28, 28, 1)``
            (``mnist``) or ``(32, 32, 3)`` (``cifar10``).
        as_dataset: give ``x_train``, ``x_val`` and ``x_test`` as ``tf.data.Dataset`` objects
            of uint8 batches ``(batch, h, w, c)`` read from the TFDS files as they are iterated
            (records picked by index, nothing loaded ahead); ``novel_test`` stays an array, in
            the order of ``x_test`` (the test split is read twice in the same stored order:
            its labels alone, then its images). ``x_test`` knows its number of batches;
            ``x_train`` and ``x_val`` do not (they are filtered as they are read), and an
            empty class is not detected ahead.
        batch_size: images per batch with ``as_dataset=True`` (and per decoding step
            otherwise).

    Returns:
        dict with uint8 ``x_train`` ``(n_train, h, w, c)``, ``x_val`` ``(n_val, h, w, c)``,
        ``x_test`` ``(n_test, h, w, c)`` (or the datasets), ``novel_test`` ``(n_test,)`` int32
        (1 = novel), the ``architecture`` that takes the images (``None`` for an
        ``image_shape`` no architecture takes), ``dataset`` (``"tfds:NAME"``), ``normal_class``
        (the label number), ``normal_class_name``, ``class_names`` (the dataset's, by label
        number) and a ``note`` on the data.

    Raises:
        ValueError: an unknown name, a dataset without ``image``/``label`` features or a
            train split, a class out of range or unknown, images no architecture takes without
            ``image_shape``, or no normal image in the training or validation part.
        FileNotFoundError: ``download=False`` and the dataset is not prepared in ``data_dir``.
        OSError: downloading or preparing it failed.
    """
    import tensorflow_datasets as tfds

    from lsa_keras.models.lsa.lsa_networks import image_architecture_of

    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    builder = _builder(name, data_dir)
    image_feature, label_feature = _features(builder, name)
    # Some datasets learn their class names only when they are prepared: names are looked up
    # then, a number is checked now (the number of classes is known).
    if not isinstance(normal_class, str):
        _class_index(normal_class, [str(i) for i in range(label_feature.num_classes)], name)
    native = tuple(image_feature.shape)
    shape = _target_shape(native, image_shape, name)
    architecture = image_architecture_of(shape)
    _prepare(builder, name, data_dir, download)
    image_feature, label_feature = _features(builder, name)
    class_names = [str(n) for n in label_feature.names]
    c = _class_index(normal_class, class_names, name)
    splits = builder.info.splits
    if "train" not in splits:
        raise ValueError(f"TensorFlow Datasets {name!r} has no train split (splits: "
                         f"{', '.join(splits.keys())}).")
    test_split = next((s for s in TEST_SPLITS if s in splits), None)
    if test_split is None:
        raise ValueError(f"TensorFlow Datasets {name!r} has no test or validation split to "
                         f"score (splits: {', '.join(splits.keys())}).")

    n = splits["train"].num_examples
    train_idx, _ = shuffled_train_val_indices(n)
    in_train = np.zeros(n, bool)
    in_train[train_idx] = True  # the rest, the last 10% of the shuffled indices, validate
    read = _Reader(builder, tfds, image_feature, shape, batch_size)
    if as_dataset:
        x_train, x_val = read.normal(in_train, c, True), read.normal(in_train, c, False)
        x_test, y_test = read.split(test_split), read.labels(test_split)
    else:
        index, normal = read.normal_arrays(c)
        x_train, x_val = normal[in_train[index]], normal[~in_train[index]]
        for part, x in (("training", x_train), ("validation", x_val)):
            if not len(x):
                raise ValueError(f"class {c} ({class_names[c]!r}) of TensorFlow Datasets "
                                 f"{name!r} has no image in the {part} part of the train "
                                 "split.")
        x_test, y_test = read.split_arrays(test_split)
    resized = "" if shape == native else f", resized to {shape}"
    return {
        "x_train": x_train, "x_val": x_val, "x_test": x_test,
        "novel_test": (y_test != c).astype("int32"),
        "architecture": architecture, "dataset": f"tfds:{name}", "normal_class": c,
        "normal_class_name": class_names[c], "class_names": class_names,
        "note": (f"TensorFlow Datasets {builder.info.full_name} (train split, {test_split} "
                 f"split scored; TFDS' record order, not the original files'){resized}"),
    }


@contextlib.contextmanager
def _quiet_absl():
    # TFDS logs a warning when it looks for data that is not prepared yet: the caller is told in
    # one line (or the data is downloaded), so it is noise.
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _builder(name, data_dir):
    import tensorflow_datasets as tfds

    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a TensorFlow Datasets name is needed, got {name!r}.")
    try:
        with _quiet_absl():
            return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        base = name.split("/")[0].split(":")[0]
        close = difflib.get_close_matches(base, tfds.list_builders(), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see tfds.list_builders()."
        raise ValueError(f"unknown TensorFlow Datasets name {name!r}; {hint}") from None
    except (ValueError, KeyError, AssertionError) as e:  # a bad config or version
        raise ValueError(f"TensorFlow Datasets cannot open {name!r}: "
                         f"{_one_line(e)}") from None


def _one_line(error, limit=300):
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def _features(builder, name):
    import tensorflow_datasets as tfds

    features = builder.info.features
    items = dict(features.items()) if isinstance(features, tfds.features.FeaturesDict) else {}
    if not (isinstance(items.get("image"), tfds.features.Image)
            and isinstance(items.get("label"), tfds.features.ClassLabel)):
        have = ", ".join(f"{k} ({type(v).__name__})" for k, v in items.items()) \
            or type(features).__name__
        raise ValueError(f"TensorFlow Datasets {name!r} is not an image-classification dataset "
                         f"lsa_keras can read: it needs an 'image' Image and a 'label' "
                         f"ClassLabel feature; it has {have}.")
    if np.dtype(features["image"].np_dtype) != np.uint8:
        raise ValueError(f"TensorFlow Datasets {name!r} has {features['image'].np_dtype} images; "
                         "lsa_keras reads 8-bit (uint8) ones.")
    return features["image"], features["label"]


def _class_index(normal_class, class_names, name):
    n = len(class_names)
    if normal_class is None:
        raise ValueError(f"a normal class is needed: a label 0..{n - 1} or a class name of "
                         f"{name!r}.")
    if isinstance(normal_class, str):
        if normal_class in class_names:
            return class_names.index(normal_class)
        try:
            c = int(normal_class)
        except ValueError:
            shown = ", ".join(class_names[:20]) + (", ..." if n > 20 else "")
            raise ValueError(f"{normal_class!r} is not a class of TensorFlow Datasets {name!r}; "
                             f"classes: {shown}.") from None
    elif isinstance(normal_class, (int, np.integer)) and not isinstance(normal_class, bool):
        c = int(normal_class)
    else:
        raise ValueError(f"the normal class must be a label number or a class name, got "
                         f"{normal_class!r}.")
    if not 0 <= c < n:
        raise ValueError(f"class {c} is out of range for TensorFlow Datasets {name!r}: labels "
                         f"0..{n - 1}.")
    return c


def _target_shape(native, image_shape, name):
    from lsa_keras.models.lsa.lsa_networks import (IMAGE_ARCHITECTURES, image_architecture_of,
                                                   input_shape_of)

    if len(native) != 3 or native[-1] not in (1, 3, 4):
        raise ValueError(f"TensorFlow Datasets {name!r} has images of shape {native}; "
                         "lsa_keras reads (height, width, 1, 3 or 4 channels).")
    if image_shape is None:
        if image_architecture_of(native) is None:
            shapes = ", ".join(f"{input_shape_of(a)} ({a})" for a in IMAGE_ARCHITECTURES)
            raise ValueError(f"TensorFlow Datasets {name!r} has images of shape {native}, which "
                             f"no architecture takes ({shapes}); pass image_shape (on the "
                             "command line, --architecture) to resize them.")
        return native
    shape = tuple(image_shape)
    if len(shape) != 3 or shape[-1] not in (1, 3) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in shape):
        raise ValueError(f"image_shape must be (height, width, 1 or 3), got {image_shape!r}.")
    return tuple(int(v) for v in shape)


def _prepare(builder, name, data_dir, download):
    import tensorflow_datasets as tfds

    with _quiet_absl():
        if builder.is_prepared():
            return
    root = data_dir or tfds.core.constants.DATA_DIR
    if not download:
        raise FileNotFoundError(
            f"TensorFlow Datasets {name!r} is not prepared in {root}; on a machine with "
            f"internet, run tfds build {name} --data_dir {root} (or load it with downloading "
            "allowed), then copy that folder here.")
    try:
        builder.download_and_prepare()
    except Exception as e:  # the network, a manual download, a full disk: one line each
        raise OSError(f"could not download and prepare TensorFlow Datasets {name!r} in {root} "
                      f"({_one_line(e, 160)}); without internet, prepare it on another machine "
                      f"(tfds build {name} --data_dir DIR), copy DIR here and read it without "
                      "downloading (download=False, --no-download).") from e


class _Reader:
    """The records of a prepared dataset's splits in their stored record order (the shards one
    after another, no shuffling), images decoded only for the records kept and converted to
    ``shape``."""

    def __init__(self, builder, tfds, image_feature, shape, batch_size):
        self.builder, self.tfds, self.batch_size = builder, tfds, batch_size
        self.image_feature, self.shape = image_feature, shape
        self.convert = _converter(tuple(image_feature.shape), shape)

    def records(self, split):
        """``split`` as examples whose image is still encoded."""
        tfds = self.tfds
        return self.builder.as_dataset(
            split=split, shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()},
            read_config=tfds.ReadConfig(interleave_cycle_length=1, try_autocache=False))

    def decode(self, data):
        return self.convert(self.image_feature.decode_example(data))

    def normal(self, in_train, c, train):
        """The class-``c`` images of the train split whose record index is (``train``) or is
        not in ``in_train``, a lookup by index; batched."""
        import tensorflow as tf

        lookup = tf.constant(in_train)
        ds = self.records("train").enumerate().filter(
            lambda i, example: tf.logical_and(tf.equal(example["label"], c),
                                              tf.equal(tf.gather(lookup, i), train)))
        return self._batched(ds.map(lambda i, example: example["image"]))

    def split(self, split):
        """Every image of ``split``, batched, with its known number of batches."""
        import tensorflow as tf

        ds = self._batched(self.records(split).map(lambda example: example["image"]))
        n = self.builder.info.splits[split].num_examples
        return ds.apply(tf.data.experimental.assert_cardinality(math.ceil(n / self.batch_size)))

    def labels(self, split):
        """The labels of ``split``, without decoding a single image."""
        ds = self.records(split).map(lambda example: example["label"]).batch(16384)
        return _concatenate(list(ds.as_numpy_iterator()), (), "int64")

    def normal_arrays(self, c):
        """``(record indices, images)`` of the class-``c`` images of the train split: one pass."""
        import tensorflow as tf

        ds = self.records("train").enumerate().filter(
            lambda i, example: tf.equal(example["label"], c))
        ds = ds.map(lambda i, example: (i, self.decode(example["image"])),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        batches = list(ds.batch(self.batch_size).as_numpy_iterator())
        return (_concatenate([b[0] for b in batches], (), "int64"),
                _concatenate([b[1] for b in batches], self.shape, "uint8"))

    def split_arrays(self, split):
        """``(images, labels)`` of ``split``: one pass."""
        import tensorflow as tf

        ds = self.records(split).map(
            lambda example: (self.decode(example["image"]), example["label"]),
            num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        batches = list(ds.batch(self.batch_size).as_numpy_iterator())
        return (_concatenate([b[0] for b in batches], self.shape, "uint8"),
                _concatenate([b[1] for b in batches], (), "int64"))

    def _batched(self, encoded):
        import tensorflow as tf

        ds = encoded.map(self.decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.batch(self.batch_size).prefetch(tf.data.AUTOTUNE)


def _concatenate(parts, shape, dtype):
    return np.concatenate(parts) if parts else np.zeros((0, *shape), dtype)


def _converter(native, shape):
    """A function from a decoded uint8 image of ``native`` shape to uint8 ``shape``."""
    import tensorflow as tf

    channels = native[-1]

    def convert(image):
        if channels == 4:
            image = image[..., :3]
        if tuple(native[:2]) == shape[:2] and min(channels, 3) == shape[2]:
            return tf.ensure_shape(image, shape)
        x = tf.cast(image, tf.float32)
        if shape[2] == 1 and channels != 1:
            x = tf.image.rgb_to_grayscale(x)
        elif shape[2] == 3 and channels == 1:
            x = tf.image.grayscale_to_rgb(x)
        if tuple(native[:2]) != shape[:2]:
            x = tf.image.resize(x, shape[:2], method="bilinear", antialias=True)
        return tf.ensure_shape(tf.cast(tf.clip_by_value(tf.round(x), 0, 255), tf.uint8), shape)

    return convert
