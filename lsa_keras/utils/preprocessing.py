"""Turning user images into the model's input: float32 pixel values / 255, checked."""

import numpy as np


def to_model_input(images):
    """uint8 images in [0, 255] -> float32 in [0, 1]; float images must already be in [0, 1].

    Args:
        images: array ``(n, h, w, c)`` (or ``(n, t, h, w, c)`` for video), uint8 or float.

    Raises:
        ValueError: empty input, NaN/Inf, or floats outside [0, 1] (which usually means the
            images were not divided by 255).
    """
    x = _as_array(images)
    if x.size == 0:
        raise ValueError(f"got an empty array of images (shape {x.shape}).")
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"images must be uint8 in [0, 255] or floats in [0, 1], got dtype {x.dtype}."
        )
    x = x.astype("float32", copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("images contain NaN or Inf values.")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"float images must be in [0, 1], got values in [{lo:.3g}, {hi:.3g}]; divide "
            "8-bit images by 255 (or pass them as uint8)."
        )
    return x


def as_model_images(images, image_shape, single=False, name="images"):
    """Check that ``images`` fit a model with inputs ``image_shape`` and convert them.

    Args:
        images: ``(n, *image_shape)``, uint8 in [0, 255] or float in [0, 1]; with
            ``single=True`` one image ``image_shape`` is accepted too.
        image_shape: the model's input shape without the batch axis, e.g. ``(28, 28, 1)``.

    Returns:
        float32 array ``(n, *image_shape)`` in [0, 1].

    Raises:
        ValueError: naming the expected form, for a wrong rank, size or channel count, a
            wrong dtype, values out of range, NaN/Inf, or no images.
    """
    image_shape = tuple(int(d) for d in image_shape)
    x = _as_array(images, name)
    if single and x.shape == image_shape:
        x = x[None]
    expected = f"(n, {', '.join(map(str, image_shape))})"
    if x.ndim != len(image_shape) + 1 or x.shape[1:] != image_shape:
        hint = ""
        if x.shape[1:] == image_shape[:-1] or x.shape == image_shape[:-1]:
            hint = f" Add the channel axis ({image_shape[-1]}), e.g. images[..., None]."
        elif x.ndim == len(image_shape) + 1 and x.shape[-1] != image_shape[-1]:
            hint = (f" The model takes {image_shape[-1]} channel(s), these images have "
                    f"{x.shape[-1]}.")
        raise ValueError(
            f"{name} must have shape {expected}"
            f"{' or be one image ' + str(image_shape) if single else ''}, got {x.shape}.{hint}"
        )
    return to_model_input(x)


def _as_array(images, name="images"):
    try:
        x = np.asarray(images)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{name} must be an array of equally sized images: {e}") from e
    if x.dtype == object:
        raise ValueError(f"{name} must be an array of equally sized images, got objects.")
    return x


def is_batched_source(images):
    """Whether ``images`` is a ``tf.data.Dataset`` or a ``keras.utils.PyDataset`` (batches of
    images), as :meth:`lsa_keras.LSA.fit` accepts them."""
    import keras

    if isinstance(images, keras.utils.PyDataset):
        return True
    module = type(images).__module__ or ""
    return module.startswith("tensorflow") and hasattr(images, "as_numpy_iterator")


def images_from(images, image_shape, single=False, name="images"):
    """Images from what :meth:`lsa_keras.LSA.fit` accepts, checked and converted.

    Args:
        images: an array ``(n, *image_shape)`` (or a list of images; with ``single=True``
            one image), a ``tf.data.Dataset`` of batches, or a ``keras.utils.PyDataset``. A
            batch may be an array of images or a tuple whose first element is one (``(x,)``,
            ``(x, y)``, ``(x, y, sample_weight)``); uint8 in [0, 255] or float in [0, 1].
        image_shape: the model's input shape without the batch axis.

    Returns:
        float32 array ``(n, *image_shape)`` in [0, 1]. Every batch passes the checks of
        :func:`as_model_images` (shape, dtype, range, NaN/Inf).

    Raises:
        ValueError: as :func:`as_model_images`, naming the batch at fault; or no batches.
    """
    if not is_batched_source(images):
        return as_model_images(images, image_shape, single=single, name=name)
    batches = []
    for i, batch in enumerate(_batches(images)):
        if isinstance(batch, dict):
            raise ValueError(f"{name}: batch {i} is a dict; batches must be images or tuples "
                             "whose first element is the images.")
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        try:
            batches.append(as_model_images(np.asarray(batch), image_shape, name=name))
        except ValueError as e:
            raise ValueError(f"{name}, batch {i}: {e}") from e
    if not batches:
        raise ValueError(f"{name} yielded no batches of images.")
    return np.concatenate(batches)


def _batches(source):
    import keras

    if isinstance(source, keras.utils.PyDataset):
        n = source.num_batches
        if n is None:
            raise ValueError("an infinite PyDataset (num_batches None) cannot be scored; give "
                             "it a length.")
        for i in range(n):
            yield source[i]
        return
    yield from source.as_numpy_iterator()
