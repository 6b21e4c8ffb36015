"""Novelty scores of a trained LSA (paper Eqs. 9-10) and their AUROC.

Per sample, LLK is the surprisal ``-log h(z)`` and REC the sum of squared errors. Each is
min-max normalised with statistics of a reference set (the normal class's validation split),
and the novelty score is ``NS = norm(LLK) + norm(REC)``; higher means more novel.
"""

import types

import keras
import numpy as np
from sklearn.metrics import roc_auc_score

from lsa_keras.layers.masked_dense import MaskedDense
from lsa_keras.layers.precomputed_masked_dense import PrecomputedMaskedDense
from lsa_keras.losses import per_sample_losses
from lsa_keras.preprocessing import as_model_images


def per_sample_scores(model, images, batch_size=256):
    """Raw per-sample ``{"llk": (n,), "rec": (n,)}`` with batch normalisation in inference mode.

    ``images``: ``(n, *model.image_shape)`` or one image, uint8 in [0, 255] or float in [0, 1];
    anything else is a ``ValueError`` naming the expected form. The scores come from
    :func:`scorer`, compiled once per model, in batches of ``batch_size``.
    """
    return raw_scores(model, as_model_images(images, model.image_shape, single=True), batch_size)


def raw_scores(model, x, batch_size=256):
    """:func:`per_sample_scores` of images already checked and converted to float32 in [0, 1]
    (by :func:`lsa_keras.preprocessing.as_model_images`), so callers that hold them convert
    once."""
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    batch_size, compiled = int(batch_size), scorer(model)
    refresh(model)
    data = x
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # Keras feeds NumPy arrays through an autotuned prefetch, whose teardown on TensorFlow
        # stalls ``predict`` for up to a second after its last batch (one image took 70-900 ms
        # instead of 20; examples/results/profiling-notes/predict_stall.py). Plain batches
        # with tf.data's autotuning off do not stall (with it on, 6 of 16 calls of 5 batches
        # still waited ~350 ms after their last batch: predict_autotune.py there), and keep
        # one graph for every batch size (a batch-by-batch loop would trace one per
        # first-seen size, and its scores would depend on what was scored before).
        options = tf.data.Options()
        options.autotune.enabled = False
        data = tf.data.Dataset.from_tensor_slices(x).batch(batch_size).with_options(options)
    out = compiled.predict(data, batch_size=None if data is not x else batch_size, verbose=0)
    return {k: np.asarray(out[k], "float64").reshape(-1) for k in ("llk", "rec")}


def scorer(model):
    """A functional Keras model ``images -> {"llk": (n,), "rec": (n,)}`` on ``model``'s weights.

    Its ``predict`` runs the per-sample losses compiled: a TensorFlow graph, ``jax.jit``, or
    PyTorch eager without autograd (Keras's ``jit_compile="auto"``), where calling the model
    eagerly batch by batch spent most of the time dispatching single ops. TensorFlow uses no
    XLA on a CPU here: on this project's 2-core CPU the XLA scorer compiled 2-4x longer and then
    scored slower (MNIST model 386-612 vs 763 images/s, CIFAR-10 24 vs 194 images/s;
    ``examples/results/profiling-notes/scorer_xla.py``). Built once and kept on the
    model, outside what Keras saves.

    The encoder and decoder are the model's own (in inference mode their blocks fold batch
    normalisation into the convolutions). The estimator is an inference copy whose MFC layers
    hold their kernel slabs precomputed (:class:`~lsa_keras.layers.PrecomputedMaskedDense`):
    call :func:`refresh` after the model's weights change; :func:`raw_scores` does.
    """
    cache = model.__dict__.get("_lsa_scorer")
    if cache is None:
        estimator, copies = inference_estimator(model.estimator)
        images = keras.Input(model.image_shape)
        rec, llk = per_sample_losses(images, model.outputs_with(estimator, images, training=False))
        cache = types.SimpleNamespace(model=keras.Model(images, {"llk": llk, "rec": rec}),
                                      copies=copies)
        cache.model.compile(jit_compile="auto")
        object.__setattr__(model, "_lsa_scorer", cache)  # untracked: not a sub-layer
    return cache.model


def refresh(model):
    """Copy ``model``'s current estimator weights into its :func:`scorer`'s inference copy."""
    scorer(model)
    for layer in model.__dict__["_lsa_scorer"].copies:
        layer.refresh()


def inference_estimator(estimator):
    """``(network, copies)``: ``estimator`` with each :class:`MaskedDense` replaced by a
    :class:`PrecomputedMaskedDense` copy (listed in ``copies``), other layers shared.

    Only a ``keras.Sequential`` estimator is rewritten; any other network is returned as it is,
    with no copies."""
    if not isinstance(estimator, keras.Sequential) or not any(
            isinstance(layer, MaskedDense) for layer in estimator.layers):
        return estimator, []
    layers = [PrecomputedMaskedDense(layer) if isinstance(layer, MaskedDense) else layer
              for layer in estimator.layers]
    network = keras.Sequential([keras.Input(estimator.input_shape[1:]), *layers],
                               name=f"{estimator.name}_inference")
    return network, [layer for layer in layers if isinstance(layer, PrecomputedMaskedDense)]


def min_max_stats(reference_scores):
    """``{name: (min, max)}`` of each raw score on the reference set."""
    return {k: (float(np.min(v)), float(np.max(v))) for k, v in reference_scores.items()}


def novelty_scores(raw, stats):
    """Add the normalised ``"ns"`` to raw scores, given :func:`min_max_stats` of a reference set."""
    out = dict(raw)
    out["ns"] = sum(
        (raw[k] - lo) / max(hi - lo, 1e-12) for k, (lo, hi) in stats.items() if k in ("llk", "rec")
    )
    return out


def auroc(novel, scores):
    """AUROC of each score array in ``scores`` (higher = more novel).

    Args:
        novel: ``(n,)`` labels, 1 for novel and 0 for normal; both must occur.
        scores: dict of ``(n,)`` finite score arrays.
    """
    novel = np.asarray(novel)
    if novel.ndim != 1 or not np.isin(novel, (0, 1)).all():
        raise ValueError(f"novel must be a 1-D array of 0 (normal) and 1 (novel) labels, got "
                         f"shape {novel.shape} with values {np.unique(novel)[:5]}.")
    if len(np.unique(novel)) < 2:
        raise ValueError("AUROC needs both normal (0) and novel (1) samples; got only one kind.")
    out = {}
    for k, v in scores.items():
        v = np.asarray(v, dtype="float64")
        if v.shape != novel.shape:
            raise ValueError(f"scores[{k!r}] has shape {v.shape}, labels {novel.shape}.")
        if not np.isfinite(v).all():
            raise ValueError(f"scores[{k!r}] contains NaN or Inf.")
        out[k] = float(roc_auc_score(novel, v))
    return out
