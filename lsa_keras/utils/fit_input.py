"""Dataset input for :meth:`lsa_keras.LSA.fit` and the scoring methods: the checks and
conversion arrays get, for ``tf.data.Dataset``\\ s, ``keras.utils.PyDataset``\\ s and (for
``fit``) generators too.

An array is checked whole before training or scoring
(:func:`lsa_keras.utils.preprocessing.as_model_images`); a dataset is checked batch by batch as
Keras reads it: uint8 batches are divided by 255, float batches must be finite and in [0, 1],
and every batch must have the model's image shape. A bad batch stops ``fit`` or ``predict``
with :class:`InputError`, a ``ValueError`` that names the input, the batch and the problem
(:func:`input_error_in` recovers it from the errors tf.data and Keras wrap it in).

On TensorFlow, checked arrays are fed as plain tf.data batches without autotuning
(:func:`training_batches` for ``fit``, :func:`array_batches` for validation and scoring).
"""

from __future__ import annotations

import inspect
import re

import keras
import numpy as np

from lsa_keras.utils.preprocessing import as_model_images

# Marks the messages of the checks that run inside tf.data (in-graph asserts), so that ``fit``
# can tell them from other errors and raise them as InputError.
_MARK = "lsa_keras input check: "
_MARKED = re.compile(re.escape(_MARK) + r"(.*?)\]*$", re.MULTILINE)


class InputError(ValueError):
    """A batch of training, validation or scoring input that the model cannot take."""


def is_tf_dataset(x) -> bool:
    module = type(x).__module__ or ""
    return module.startswith("tensorflow") and hasattr(x, "element_spec")


def is_dataset(x) -> bool:
    """Whether ``x`` is a ``tf.data.Dataset`` or a ``keras.utils.PyDataset`` (batches of
    images, as :meth:`lsa_keras.LSA.fit` and the scoring methods take them)."""
    return isinstance(x, keras.utils.PyDataset) or is_tf_dataset(x)


_BATCHES = "batches of images or tuples whose first element is the images"


def checked_source(source, image_shape, name: str, images_only: bool = False):
    """``source`` (a ``tf.data.Dataset``, ``keras.utils.PyDataset`` or generator of batches)
    with every batch checked and converted to float32 in [0, 1]; anything else unchanged.

    A batch may be an image array or a tuple whose first element is one; the rest of a tuple
    (targets, sample weights) passes through, unless ``images_only``: then a batch is its
    images alone (scoring).

    Raises:
        InputError: what can be told before training: a dataset of dicts, of another dtype
            than uint8 or float, or whose element shape cannot be the model's.
    """
    image_shape = tuple(int(d) for d in image_shape)
    if isinstance(source, keras.utils.PyDataset):
        return CheckedPyDataset(source, image_shape, name, images_only)
    if is_tf_dataset(source):
        return _checked_dataset(source, image_shape, name, images_only)
    if inspect.isgenerator(source):
        return _checked_generator(source, image_shape, name)
    return source


def scoring_source(source, image_shape, name: str, batch_size: int):
    """``(batches, num_batches)``: a ``tf.data.Dataset`` or ``keras.utils.PyDataset`` ready to
    stream through a scorer's ``predict``, each batch checked as :func:`checked_source` checks
    it and reduced to its images; ``num_batches`` None when tf.data does not know it.

    A ``tf.data.Dataset`` of single images (element shape ``image_shape``) is batched by
    ``batch_size``; a dataset's own batches are kept as they are.

    Raises:
        InputError: a dataset of dicts, an empty or infinite one, or what
            :func:`checked_source` refuses before reading.
    """
    image_shape = tuple(int(d) for d in image_shape)
    if isinstance(source, keras.utils.PyDataset):
        try:
            n = source.num_batches
        except NotImplementedError:  # neither __len__ nor num_batches
            n = None
        if n is None:
            raise InputError(f"{name} is an infinite PyDataset (num_batches is None); scoring "
                             "needs an end: give it a __len__.")
        if n == 0:
            raise InputError(f"{name} is an empty PyDataset (no batches).")
        return CheckedPyDataset(source, image_shape, name, images_only=True), n
    import tensorflow as tf

    spec = source.element_spec
    images = spec[0] if isinstance(spec, (tuple, list)) and spec else spec
    if (isinstance(images, tf.TensorSpec) and images.shape.rank == len(image_shape)
            and images.shape.is_compatible_with(image_shape)):
        source = source.batch(batch_size)  # single images
    n = int(source.cardinality())
    if n == tf.data.INFINITE_CARDINALITY:
        raise InputError(f"{name} is an infinite dataset (it repeats forever); scoring needs "
                         "an end, e.g. dataset.take(number_of_batches).")
    return checked_source(source, image_shape, name, images_only=True), (n if n >= 0 else None)


def _check_batch(batch, image_shape, name, index, images_only=False):
    """One batch (images, or a tuple starting with them) with its images checked and converted;
    the images alone with ``images_only``."""
    if isinstance(batch, dict):
        raise InputError(f"{name}, batch {index}: a dict; the model takes {_BATCHES}.")
    rest = ()
    if isinstance(batch, (tuple, list)):
        if not batch:
            raise InputError(f"{name}, batch {index}: an empty tuple, not images.")
        batch, rest = batch[0], tuple(batch[1:])
    try:
        images = as_model_images(np.asarray(batch), image_shape, name=name)
    except ValueError as e:
        raise InputError(f"{name}, batch {index}: {e}") from None
    return (images, *rest) if rest and not images_only else images


class CheckedPyDataset(keras.utils.PyDataset):
    """A ``keras.utils.PyDataset`` whose batches are checked and converted as arrays are
    (:func:`lsa_keras.utils.preprocessing.as_model_images`), reduced to their images with
    ``images_only``; length, epoch hooks and the parallelism settings are the wrapped
    dataset's."""

    def __init__(self, inner, image_shape, name, images_only=False):
        super().__init__(workers=getattr(inner, "workers", 1),
                         use_multiprocessing=getattr(inner, "use_multiprocessing", False),
                         max_queue_size=getattr(inner, "max_queue_size", 10))
        self.inner, self.image_shape, self.name = inner, tuple(image_shape), name
        self.images_only = images_only

    def __len__(self):
        return len(self.inner)

    @property
    def num_batches(self):
        return self.inner.num_batches

    def __getitem__(self, index):
        return _check_batch(self.inner[index], self.image_shape, self.name, index,
                            self.images_only)

    def on_epoch_begin(self):
        self.inner.on_epoch_begin()

    def on_epoch_end(self):
        self.inner.on_epoch_end()


def _checked_generator(source, image_shape, name):
    for index, batch in enumerate(source):
        batch = _check_batch(batch, image_shape, name, index)
        yield batch if isinstance(batch, tuple) else (batch,)  # Keras wants tuples from these


def _checked_dataset(ds, image_shape, name, images_only=False):
    import tensorflow as tf

    spec = ds.element_spec
    if isinstance(spec, dict):
        raise InputError(f"{name} yields dicts; the model takes {_BATCHES}.")
    is_tuple = isinstance(spec, (tuple, list))
    if is_tuple and not spec:
        raise InputError(f"{name} yields empty tuples, not images.")
    images = spec[0] if is_tuple else spec
    if not isinstance(images, tf.TensorSpec):
        raise InputError(f"{name} yields {type(images).__name__} elements, not image tensors.")
    dtype = images.dtype
    if dtype != tf.uint8 and not dtype.is_floating:
        raise InputError(f"{name} yields images of dtype {dtype.name}; images must be uint8 in "
                         "[0, 255] or floats in [0, 1].")
    expected = f"(batch, {', '.join(map(str, image_shape))})"
    shape = images.shape
    if shape.rank is not None:
        if shape.rank == len(image_shape) and shape.is_compatible_with(image_shape):
            raise InputError(f"{name} yields single images {tuple(shape)}, not batches; batch "
                             "it first, e.g. dataset.batch(32).")
        if shape.rank != len(image_shape) + 1 or not shape[1:].is_compatible_with(image_shape):
            raise InputError(f"{name} yields batches of shape {tuple(shape)}; the model takes "
                             f"{expected}.")
    static = shape.rank is not None and shape[1:].is_fully_defined()
    if tf.data.experimental.cardinality(ds) == 0:
        raise InputError(f"{name} is an empty dataset (no batches).")
    wanted = ", ".join(map(str, image_shape))

    def convert(index, element):
        x = element[0] if is_tuple else element
        # The batch's number in the dataset, as the array checks name it ("x, batch 3: ...").
        where = _MARK + name + ", batch {}: "
        checks = []
        if not static:
            got = tf.strings.reduce_join(tf.strings.as_string(tf.shape(x)), separator=", ")
            checks.append(tf.debugging.Assert(
                tf.equal(tf.strings.regex_replace(got, "^[0-9]+, ", ""), wanted),
                [tf.strings.join([tf.strings.format(where, index), "a batch of shape (", got,
                                  f"); the model takes {expected}."])]))
        if dtype == tf.uint8:
            with tf.control_dependencies(checks):
                x = tf.cast(x, tf.float32) / 255.0
        else:
            x = tf.cast(x, tf.float32)
            checks.append(tf.debugging.Assert(
                tf.reduce_all(tf.math.is_finite(x)),
                [tf.strings.format(where + "images contain NaN or Inf values.", index)]))
            lo, hi = tf.reduce_min(x), tf.reduce_max(x)
            with tf.control_dependencies(checks):
                checks.append(tf.debugging.Assert(
                    tf.logical_and(lo >= 0.0, hi <= 1.0),
                    [tf.strings.format(
                        where + "float images must be in [0, 1], got values in [{}, {}]; "
                        "divide 8-bit images by 255 (or pass them as uint8).",
                        (index, lo, hi))]))
            with tf.control_dependencies(checks):
                x = tf.identity(x)
        x = tf.ensure_shape(x, [None, *image_shape])
        return x if images_only or not is_tuple else (x, *element[1:])

    return ds.enumerate().map(convert, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def without_autotuning(dataset):
    """``dataset`` (a ``tf.data.Dataset``) with tf.data's autotuning off.

    Keras feeds arrays and PyDatasets through an autotuned prefetch, whose teardown on
    TensorFlow stalls ``fit``, ``evaluate`` and ``predict`` for up to a second after their last
    batch on a CPU; a pipeline without autotuning does not stall.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def array_batches(x, batch_size: int):
    """The array ``x`` as a ``tf.data.Dataset`` of batches of ``batch_size``, in order, without
    autotuning (:func:`without_autotuning`)."""
    import tensorflow as tf

    return without_autotuning(tf.data.Dataset.from_tensor_slices(x).batch(int(batch_size)))


def training_batches(x, batch_size: int, shuffle: bool = True):
    """The array ``x`` as a ``tf.data.Dataset`` of training batches of ``batch_size``, without
    autotuning (:func:`without_autotuning`); the last batch may be smaller.

    With ``shuffle``, each iteration (each epoch of ``fit``) draws a new order, seeded by
    TensorFlow's global seed (``keras.utils.set_random_seed``): the same sequence of orders in
    every run with the same seed. Keras' pipeline for arrays on TensorFlow draws the same
    order in every epoch once a global seed is set. Without ``shuffle``, the array's order.
    The images are held once, as a tensor, and each batch is gathered from them.
    """
    import tensorflow as tf

    n, batch_size = len(x), int(batch_size)
    indices = tf.data.Dataset.range(n)
    if shuffle:
        indices = indices.shuffle(n, reshuffle_each_iteration=True)
    images = tf.data.Dataset.from_tensors(tf.convert_to_tensor(x)).repeat()
    batches = tf.data.Dataset.zip(indices.batch(batch_size), images).map(
        lambda index, all_images: tf.gather(all_images, index))
    return without_autotuning(batches.prefetch(1))


def input_error_in(error: BaseException) -> InputError | None:
    """The :class:`InputError` behind ``error``, an error raised while ``fit`` read its input:
    the error itself or one it was raised from, or, once tf.data has turned it into a message
    (an in-graph assert, or an error inside ``Dataset.from_generator``), rebuilt from that
    message. None when the input checks did not raise it."""
    seen = set()
    e = error
    while e is not None and id(e) not in seen:
        if isinstance(e, InputError):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    message = str(error)
    found = _MARKED.search(message)
    if found:
        return InputError(found.group(1).strip())
    found = re.search(r"InputError: (.*)", message)
    if found:
        return InputError(found.group(1).strip())
    return None


