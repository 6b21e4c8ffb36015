"""The LSA objective, written once with ``keras.ops`` (paper Eq. 4, supplement Eq. 1).

``L = REC + lambda * LLK`` where, per sample,

- REC is the **sum** of squared errors over all pixels, and
- LLK is the surprisal ``-log h(z)``: the cross-entropy of the estimator's softmax at the bin
  that holds each latent variable, **summed** over all latent variables.

The target bin is computed from ``z`` with its gradient stopped, but the estimator's input is
``z`` itself, so the LLK gradient reaches the encoder through the conditioning inputs.
"""

from keras import ops


def quantize(code, bins):
    """Bin index of every latent variable: ``clip(floor(z * bins), 0, bins - 1)`` as int32.

    Args:
        code: tensor ``(batch, ...)`` of values in ``[0, 1]``.
        bins: number of bins B.
    """
    return ops.cast(ops.clip(ops.floor(code * bins), 0, bins - 1), "int32")


def reconstruction_error(x, reconstruction):
    """Per-sample sum of squared errors in float32, shape ``(batch,)``."""
    err = ops.square(ops.cast(x, "float32") - ops.cast(reconstruction, "float32"))
    return ops.sum(err, axis=tuple(range(1, len(err.shape))))


def surprisal(code, logits):
    """Per-sample ``-log h(z)`` in nats, shape ``(batch,)``.

    Args:
        code: tensor ``(batch, d)`` or ``(batch, t, d)``, the latent code in ``[0, 1]``.
        logits: tensor ``(batch, d, B)`` or ``(batch, t, d, B)``, the estimator's output.
    """
    bins = logits.shape[-1]
    code = ops.stop_gradient(code)
    # A NaN code (diverged weights) has no bin; PyTorch's cross-entropy raises for the garbage
    # index a NaN casts to. Give it bin 0 and make its surprisal NaN, so that the training loss
    # says what happened and StopOnNonFiniteLoss stops the run.
    finite = ops.isfinite(code)
    target = quantize(ops.where(finite, code, ops.zeros_like(code)), bins)
    nll = ops.sparse_categorical_crossentropy(target, logits, from_logits=True)
    # code - code is 0 for a finite code and NaN for NaN or Inf. (A select against a NaN
    # constant is what it replaces: ONNX converters rewrite that into arithmetic that makes
    # every value NaN.)
    nll = nll + (code - code)
    return ops.sum(nll, axis=tuple(range(1, len(nll.shape))))


def per_sample_losses(x, outputs):
    """``(rec, llk)``, each of shape ``(batch,)``, from the model's output dict."""
    rec = reconstruction_error(x, outputs["reconstruction"])
    llk = surprisal(outputs["code"], ops.cast(outputs["logits"], "float32"))
    return rec, llk


def lsa_loss(x, outputs, lam=1.0, sample_weight=None):
    """Batch means of the objective and of its two terms.

    Args:
        x: the input batch, ``(batch, ...)``.
        outputs: dict with ``"reconstruction"``, ``"code"`` and ``"logits"``.
        lam: weight of the LLK term.
        sample_weight: optional ``(batch,)`` weights for a weighted mean.

    Returns:
        dict of scalars ``"loss"``, ``"rec"``, ``"llk"``.
    """
    rec, llk = per_sample_losses(x, outputs)
    rec, llk = (batch_mean(v, sample_weight) for v in (rec, llk))
    return {"loss": rec + lam * llk, "rec": rec, "llk": llk}


def batch_mean(values, sample_weight=None):
    """Mean of per-sample ``values (batch,)`` in float32, weighted by ``sample_weight``."""
    values = ops.cast(values, "float32")
    if sample_weight is None:
        return ops.mean(values)
    w = ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
    return ops.sum(w * values) / ops.maximum(ops.sum(w), 1e-12)
