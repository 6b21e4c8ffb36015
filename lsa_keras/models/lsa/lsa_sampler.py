"""Ancestral sampling from the autoregressive prior (paper Fig. 1 of the supplement)."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def sample_codes(model: keras.Model, n: int, seed: int | None = None,
                 within_bin: str = "center") -> np.ndarray:
    """Draw ``n`` codes one latent variable at a time from the estimator's conditionals.

    For ``i = 0 .. d-1`` the bin ``k_i`` is drawn from ``softmax(h(z)[i])`` given the variables
    already drawn (the estimator's output ``i`` depends on inputs ``< i`` only), and
    ``z_i = (k_i + 0.5) / B``, or a uniform draw inside the bin with ``within_bin="uniform"``.

    Args:
        model: an :class:`lsa_keras.LSA` with an image architecture (code ``(batch, d)``).
        n: number of codes.
        seed: seed of the draws.

    Returns:
        float32 array ``(n, d)`` in ``[0, 1]``.
    """
    if within_bin not in ("center", "uniform"):
        raise ValueError(f"within_bin must be 'center' or 'uniform', got {within_bin!r}.")
    if len(model.encoder.output_shape) != 2:
        raise ValueError("sampling is implemented for image models, whose code is (batch, d).")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    rng = np.random.default_rng(seed)
    d, bins = model.code_length, model.bins
    z = np.zeros((int(n), d), "float32")
    for i in range(d):
        logits = ops.convert_to_numpy(model.estimator(z[..., None], training=False))[:, i, :]
        logits = logits.astype("float64") - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        u = rng.random((len(z), 1))
        k = np.minimum((p.cumsum(axis=1) < u).sum(axis=1), bins - 1)
        offset = 0.5 if within_bin == "center" else rng.random(len(z))
        z[:, i] = (k + offset) / bins
    return z


def sample_images(model: keras.Model, n: int, seed: int | None = None,
                  within_bin: str = "center") -> np.ndarray:
    """Decode ``n`` codes drawn by :func:`sample_codes`; float32 ``(n, *image_shape)`` in [0, 1]."""
    z = sample_codes(model, n, seed, within_bin)
    images = ops.convert_to_numpy(model.decoder(z, training=False))
    return np.clip(images, 0.0, 1.0).astype("float32")
