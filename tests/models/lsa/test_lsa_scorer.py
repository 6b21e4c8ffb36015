import os

import keras
import numpy as np
import pytest

from lsa_keras import scoring
from tests.helpers import mnist_like, tiny_lsa

pytestmark = pytest.mark.backend


@pytest.fixture(scope="module")
def trained():
    """One fitted tiny LSA for the scoring tests, each of which calibrates it first."""
    keras.utils.set_random_seed(5)
    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    return model


def test_score_needs_calibration():
    with pytest.raises(ValueError, match="calibrate"):
        tiny_lsa().score(mnist_like(2))
    with pytest.raises(ValueError, match="calibrate"):
        tiny_lsa().threshold_


def test_calibrate_then_score_batch_and_single_image(trained):
    model = trained
    x_val, x = mnist_like(40, 1), mnist_like(6, 2)
    stats = model.calibrate(x_val, fpr=0.1)
    raw_val = scoring.per_sample_scores(model, x_val)
    assert stats["min"]["llk"] == pytest.approx(raw_val["llk"].min(), rel=1e-5)
    assert stats["max"]["rec"] == pytest.approx(raw_val["rec"].max(), rel=1e-5)
    # The threshold leaves about fpr of the validation set above it.
    assert np.mean(model.decision_function(x_val) > stats["threshold"]) == pytest.approx(0.1, abs=0.03)
    batch = model.score(x)
    assert set(batch) == {"llk", "rec", "ns"} and batch["ns"].shape == (6,)
    single = model.score(x[0])
    for k in batch:
        np.testing.assert_allclose(single[k], batch[k][:1], rtol=1e-4)
    labels = model.predict_label(x)
    assert labels.dtype == np.int32
    np.testing.assert_array_equal(labels, (batch["ns"] > stats["threshold"]).astype(int))
    assert model.threshold_ == pytest.approx(stats["threshold"], rel=1e-6)
    # Keras' predict keeps its meaning: the output dict.
    assert set(model.predict(x, verbose=0)) == {"reconstruction", "code", "logits"}


def test_calibration_travels_through_save_and_load(trained, tmp_path):
    model = trained
    model.calibrate(mnist_like(20, 1))
    x = mnist_like(5, 2)
    expected = model.score(x)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    got = loaded.score(x)
    # The normalisation statistics and the threshold travel exactly; the scores of two
    # separately built graphs agree to float32 rounding, which NS magnifies by the inverse of
    # the tiny score range this barely trained model has on its 20 validation images.
    assert loaded.threshold_ == model.threshold_
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    for k in ("llk", "rec"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5)
    np.testing.assert_allclose(got["ns"], expected["ns"], atol=1e-2)
    np.testing.assert_array_equal(loaded.predict_label(x), model.predict_label(x))


def test_bad_scoring_input(trained):
    model = trained
    model.calibrate(mnist_like(10, 1))
    with pytest.raises(ValueError, match=r"must have shape \(n, 28, 28, 1\)"):
        model.score(np.zeros((2, 32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="fpr"):
        model.calibrate(mnist_like(10), fpr=1.5)
