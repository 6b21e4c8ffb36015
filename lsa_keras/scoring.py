"""Novelty scores (paper Eqs. 9-10) and their AUROC.

Each raw score (LLK, REC) is min-max normalised with statistics of a reference set (the normal
class's validation split), and the novelty score is ``NS = norm(LLK) + norm(REC)``; higher means
more novel. The raw scores of a model come from :mod:`lsa_keras.models.lsa.lsa_scorer`.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

# Names that moved to the model's scorer; still reachable here, resolved on first use so that
# importing this module does not import the model.
_SCORER_NAMES = ("per_sample_scores", "raw_scores", "scorer", "refresh", "inference_estimator")


def __getattr__(name):
    if name in _SCORER_NAMES:
        from lsa_keras.models.lsa import lsa_scorer

        return getattr(lsa_scorer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def min_max_stats(reference_scores: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """``{name: (min, max)}`` of each raw score on the reference set."""
    return {k: (float(np.min(v)), float(np.max(v))) for k, v in reference_scores.items()}


def novelty_scores(raw: dict[str, np.ndarray],
                   stats: dict[str, tuple[float, float]]) -> dict[str, np.ndarray]:
    """Add the normalised ``"ns"`` to raw scores, given :func:`min_max_stats` of a reference set."""
    out = dict(raw)
    out["ns"] = sum(
        (raw[k] - lo) / max(hi - lo, 1e-12) for k, (lo, hi) in stats.items() if k in ("llk", "rec")
    )
    return out


def auroc(novel: np.ndarray, scores: dict[str, np.ndarray]) -> dict[str, float]:
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
