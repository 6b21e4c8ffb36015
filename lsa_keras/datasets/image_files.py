"""A list of image files that reads like an image array, decoding on demand."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from lsa_keras.datasets.decoding import check_channels, check_image_size, decode_image


class ImageFiles:
    """Image files read as a uint8 array ``(n, height, width, channels)``, decoded when indexed.

    Indexing reads and decodes only the files it selects, so a folder larger than memory can be
    trained on, calibrated on and scored batch by batch: ``files[i]`` is one image
    ``(height, width, channels)``, ``files[a:b]`` and ``files[[i, j, ...]]`` are arrays
    ``(k, height, width, channels)``. :meth:`as_dataset` streams the images as a
    ``tf.data.Dataset``. Every image is decoded by
    :func:`lsa_keras.datasets.decoding.decode_image` and must have the shape of the first
    (set ``image_size`` and ``channels`` to convert images that differ).

    Converting the whole list to an array (``np.asarray(files)``) is refused, so that nothing
    holds a large folder in memory by accident; ``files[:]`` reads it all on purpose.

    Args:
        paths: the image files, in the order they are indexed.
        image_size: ``(height, width)`` every image is resized to (bilinear, antialiased);
            ``None`` keeps the files' size.
        channels: 1 (grayscale) or 3 (RGB) every image is converted to; ``None`` keeps the
            files'.
        names: how errors name the files (default the paths).

    Example:

    >>> files = ImageFiles(["a.png", "b.png"], image_size=(28, 28), channels=1)
    >>> files.shape
    (2, 28, 28, 1)
    >>> model.fit(files.as_dataset(batch_size=64), epochs=10)
    """

    dtype = np.dtype("uint8")

    def __init__(self, paths: Sequence[str], image_size: tuple[int, int] | None = None,
                 channels: int | None = None, names: Sequence[str] | None = None):
        self.paths = tuple(os.fspath(p) for p in paths)
        self.names = tuple(names) if names is not None else self.paths
        if len(self.names) != len(self.paths):
            raise ValueError(f"names has {len(self.names)} entries for {len(self.paths)} paths.")
        if not self.paths:
            raise ValueError("ImageFiles needs at least one image file.")
        self.image_size = check_image_size(image_size)
        self.channels = check_channels(channels)
        self.image_shape = self._decode(0).shape

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n, height, width, channels)``, the first image's size for all."""
        return (len(self.paths), *self.image_shape)

    @property
    def ndim(self) -> int:
        return 4

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return f"ImageFiles({len(self)} files, image shape {self.image_shape})"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self!r} decodes images as they are read and is not converted to an array whole; "
            "index it (files[:] reads all of them) or stream it with files.as_dataset().")

    def _decode(self, i: int) -> np.ndarray:
        from lsa_keras.datasets.image_folder import read_image_file

        image = decode_image(read_image_file(self.paths[i]), self.names[i], self.channels,
                             self.image_size)
        expected = getattr(self, "image_shape", image.shape)
        if image.shape != expected:
            raise ValueError(
                f"{self.names[i]} is {image.shape}, the first image ({self.names[0]}) is "
                f"{expected}; pass image_size=(h, w) and/or channels=1|3 to convert them.")
        return image

    def _indices(self, index) -> np.ndarray:
        if isinstance(index, slice):
            return np.arange(len(self))[index]
        indices = np.asarray(index)
        if indices.dtype == bool:
            if indices.shape != (len(self),):
                raise IndexError(f"a boolean index must have shape ({len(self)},), got "
                                 f"{indices.shape}.")
            return np.flatnonzero(indices)
        if indices.ndim != 1 or not (np.issubdtype(indices.dtype, np.integer) or indices.size == 0):
            raise IndexError(f"ImageFiles takes an int, a slice or a 1-D array of ints, got "
                             f"{index!r}.")
        indices = indices.astype(np.int64)
        if indices.size and (indices.min() < -len(self) or indices.max() >= len(self)):
            raise IndexError(f"index out of range for {len(self)} images.")
        return indices % len(self) if indices.size else indices

    def __getitem__(self, index) -> np.ndarray:
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if not -len(self) <= index < len(self):
                raise IndexError(f"image {index} out of range for {len(self)} images.")
            return self._decode(int(index) % len(self))
        indices = self._indices(index)
        out = np.empty((len(indices), *self.image_shape), np.uint8)
        for k, i in enumerate(indices):
            out[k] = self._decode(int(i))
        return out

    def subset(self, index) -> "ImageFiles":
        """The files selected by ``index`` (a slice, ints or a boolean mask), still undecoded."""
        indices = self._indices(index)
        files = object.__new__(ImageFiles)
        files.paths = tuple(self.paths[i] for i in indices)
        files.names = tuple(self.names[i] for i in indices)
        if not files.paths:
            raise ValueError("the subset selects no images.")
        files.image_size, files.channels = self.image_size, self.channels
        files.image_shape = self.image_shape
        return files

    def as_dataset(self, batch_size: int = 256):
        """The images as a ``tf.data.Dataset`` of uint8 batches ``(batch, *image_shape)``, in
        order, read and decoded as the dataset is iterated (batches in parallel, kept in
        order), so memory holds a few batches, not the folder.

        An unreadable file stops the iteration with an error that names it."""
        import tensorflow as tf

        from lsa_keras.utils.fit_input import InputError

        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
        n, shape = len(self), self.image_shape

        def read(start):
            try:
                return self[int(start): int(start) + int(batch_size)]
            except ValueError as e:
                # An InputError's message survives tf.data's wrapping, so LSA.fit and
                # LSA.score report the file, not a TensorFlow error.
                raise InputError(str(e)) from None

        def load(start):
            images = tf.numpy_function(read, [start], tf.uint8, stateful=False)
            return tf.ensure_shape(images, [None, *shape])

        starts = tf.data.Dataset.range(0, n, int(batch_size))
        dataset = starts.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return dataset.prefetch(tf.data.AUTOTUNE)
