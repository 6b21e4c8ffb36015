"""Novelty scores of a trained LSA (paper Eqs. 9-10) and their AUROC.

Per sample, LLK is the surprisal ``-log h(z)`` and REC the sum of squared errors. Each is
min-max normalised with statistics of a reference set (the normal class's validation split),
and the novelty score is ``NS = norm(LLK) + norm(REC)``; higher means more novel.
"""

import contextlib

import keras
import numpy as np
from sklearn.metrics import roc_auc_score

from lsa_keras.losses import per_sample_losses
from lsa_keras.preprocessing import to_model_input


def per_sample_scores(model, images, batch_size=256):
    """Raw per-sample ``{"llk": (n,), "rec": (n,)}`` with batch normalisation in inference mode."""
    x = to_model_input(images)
    llk, rec = [], []
    with _no_grad():
        for start in range(0, len(x), batch_size):
            batch = x[start: start + batch_size]
            r, l = per_sample_losses(batch, model(batch, training=False))
            rec.append(keras.ops.convert_to_numpy(r))
            llk.append(keras.ops.convert_to_numpy(l))
    return {"llk": np.concatenate(llk).astype("float64"), "rec": np.concatenate(rec).astype("float64")}


def _no_grad():
    """PyTorch records a graph for every op unless told not to; scoring needs none."""
    if keras.backend.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()


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
    """AUROC of each score array in ``scores`` (higher = more novel); ``novel`` is 0/1."""
    return {k: float(roc_auc_score(novel, v)) for k, v in scores.items()}
