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
