"""Turning user images into the model's input: float32 pixel values / 255."""

import numpy as np


def to_model_input(images):
    """uint8 images in [0, 255] -> float32 in [0, 1]; float images must already be in [0, 1].

    Args:
        images: array ``(n, h, w, c)`` (or ``(n, t, h, w, c)`` for video), uint8 or float.

    Raises:
        ValueError: empty input, NaN/Inf, or floats outside [0, 1] (which usually means the
            images were not divided by 255).
    """
    x = np.asarray(images)
    if x.size == 0:
        raise ValueError("got an empty array of images.")
    if x.dtype == np.uint8:
        return x.astype("float32") / 255.0
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"images must be uint8 in [0, 255] or floats in [0, 1], got dtype {x.dtype}."
        )
    x = x.astype("float32")
    if not np.all(np.isfinite(x)):
        raise ValueError("images contain NaN or Inf values.")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"float images must be in [0, 1], got values in [{lo:.3g}, {hi:.3g}]; divide "
            "8-bit images by 255 (or pass them as uint8)."
        )
    return x
