import numpy as np

from lsa_keras import scoring
from lsa_keras.utils.preprocessing import to_model_input
from tests.test_case import tiny_lsa, to_numpy
import pytest


def test_auroc_known_answer():
    novel = np.array([0, 0, 1, 1])
    assert scoring.auroc(novel, {"s": np.array([0.1, 0.4, 0.35, 0.8])})["s"] == pytest.approx(0.75)


def test_novelty_score_is_sum_of_min_max_normalised_terms():
    ref = {"llk": np.array([10.0, 20.0]), "rec": np.array([1.0, 3.0])}
    raw = {"llk": np.array([15.0, 30.0]), "rec": np.array([1.0, 5.0])}
    ns = scoring.novelty_scores(raw, scoring.min_max_stats(ref))["ns"]
    np.testing.assert_allclose(ns, [0.5 + 0.0, 2.0 + 2.0])


def test_per_sample_scores_accepts_uint8_and_matches_batched():
    model = tiny_lsa()
    x = np.random.RandomState(0).randint(0, 256, (5, 28, 28, 1)).astype("uint8")
    whole = scoring.per_sample_scores(model, x, batch_size=5)
    pieces = scoring.per_sample_scores(model, x, batch_size=2)
    for k in whole:
        np.testing.assert_allclose(whole[k], pieces[k], rtol=1e-4)
    single = scoring.per_sample_scores(model, x[:1])
    np.testing.assert_allclose(single["llk"], whole["llk"][:1], rtol=1e-4)


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        to_model_input(np.full((2, 28, 28, 1), 255.0))
    with pytest.raises(ValueError, match="NaN"):
        to_model_input(np.full((2, 28, 28, 1), np.nan))
    with pytest.raises(ValueError, match="empty"):
        to_model_input(np.zeros((0, 28, 28, 1)))


@pytest.mark.backend
def test_scores_follow_weight_changes():
    """The scorer's precomputed estimator slabs are refreshed: scores after new weights are
    those of a model built with them."""
    model, other = tiny_lsa(), tiny_lsa()
    x = np.random.RandomState(0).rand(6, 28, 28, 1).astype("float32")
    before = scoring.per_sample_scores(model, x)
    model.set_weights(other.get_weights())
    after = scoring.per_sample_scores(model, x)
    expected = scoring.per_sample_scores(other, x)
    assert np.abs(after["llk"] - before["llk"]).max() > 1e-3
    for k in ("llk", "rec"):
        np.testing.assert_allclose(after[k], expected[k], rtol=1e-5)


@pytest.mark.backend
def test_scorer_equals_the_model_layer_by_layer():
    """Folded batch normalisation and precomputed slabs compute what the plain layers do."""
    from lsa_keras.layers import ConvBlock
    from lsa_keras.losses import per_sample_losses

    model = tiny_lsa()
    x = np.random.RandomState(1).rand(8, 28, 28, 1).astype("float32")
    model.fit(x, batch_size=8, epochs=2, verbose=0)  # moves the batch-norm statistics
    fast = scoring.per_sample_scores(model, x)
    ConvBlock.fold_batch_norm = False
    try:
        rec, llk = per_sample_losses(x, model(x, training=False))
    finally:
        ConvBlock.fold_batch_norm = True
    np.testing.assert_allclose(fast["rec"], to_numpy(rec), rtol=1e-5)
    np.testing.assert_allclose(fast["llk"], to_numpy(llk), rtol=1e-5)
