"""Scoring an LSA: calibration, score/decision_function/predict_label on arrays, tf.data and
PyDataset batches with the same checks, calibration saved with the model, the progress bar."""

import keras
import numpy as np
import pytest

from lsa_keras import LSADetector, scoring
from tests.test_case import Batches, mnist_like, run_model_saving_test, tiny_lsa

@pytest.fixture(scope="module")
def trained():
    """One fitted tiny LSA for the scoring tests, each of which calibrates it first."""
    keras.utils.set_random_seed(5)
    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    return model


@pytest.mark.backend
def test_score_needs_calibration():
    with pytest.raises(ValueError, match="calibrate"):
        tiny_lsa().score(mnist_like(2))
    with pytest.raises(ValueError, match="calibrate"):
        tiny_lsa().threshold_


@pytest.mark.backend
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


@pytest.mark.backend
def test_calibration_travels_through_save_and_load(trained, tmp_path):
    model = trained
    model.calibrate(mnist_like(20, 1))
    x = mnist_like(5, 2)
    # The normalisation statistics and the threshold travel exactly, in a .keras file and in a
    # pretrained folder; the scores of two separately built graphs agree to float32 rounding,
    # which NS magnifies by the inverse of the tiny score range this barely trained model has
    # on its 20 validation images (rtol 1e-5 for llk and rec, atol 1e-2 for ns).
    loaded, pretrained = run_model_saving_test(model, x, str(tmp_path), rtol=1e-5, ns_atol=1e-2)
    assert loaded.threshold_ == pretrained.threshold_ == model.threshold_


@pytest.mark.backend
def test_bad_scoring_input(trained):
    model = trained
    model.calibrate(mnist_like(10, 1))
    with pytest.raises(ValueError, match=r"must have shape \(n, 28, 28, 1\)"):
        model.score(np.zeros((2, 32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="fpr"):
        model.calibrate(mnist_like(10), fpr=1.5)


# score, calibrate, decision_function and predict_label take what fit takes: arrays,
# tf.data.Dataset and keras.utils.PyDataset of image batches (uint8 or floats in [0, 1]), with the
# same checks; long scoring shows Keras' progress bar.

@pytest.fixture(scope="module")
def calibrated():
    model = tiny_lsa()
    model.calibrate(mnist_like(20, 1))
    x = (mnist_like(13, 2) * 255).astype("uint8")
    return model, x, model.score(x)


def assert_same(got, expected):
    for k in ("llk", "rec", "ns"):
        np.testing.assert_array_equal(got[k], expected[k])


@pytest.mark.backend
def test_pydataset_scores_as_the_array(calibrated):
    model, x, expected = calibrated
    assert_same(model.score(Batches(x, 5)), expected)
    assert_same(model.score(Batches(x, 4, with_labels=True)), expected)
    assert_same(model.score(Batches(x.astype("float32") / 255, 6)), expected)
    np.testing.assert_array_equal(model.decision_function(Batches(x, 5)), expected["ns"])
    np.testing.assert_array_equal(model.predict_label(Batches(x, 5)), model.predict_label(x))
    fresh = tiny_lsa()
    assert fresh.calibrate(Batches(mnist_like(20, 1), 7)) == fresh.calibrate(mnist_like(20, 1))
    with pytest.raises(ValueError, match=r"x, batch 1: float images must be in \[0, 1\]"):
        model.score(Batches(np.concatenate([mnist_like(5), mnist_like(5) * 255]), 5))
    with pytest.raises(ValueError, match=r"must have shape \(n, 28, 28, 1\)"):
        model.score(Batches(np.zeros((4, 28, 28, 3), "uint8"), 2))


def test_tf_data_dataset_scores_as_the_array(calibrated):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf.data under the TensorFlow stage")
    import tensorflow as tf

    model, x, expected = calibrated
    assert_same(model.score(tf.data.Dataset.from_tensor_slices(x).batch(4)), expected)
    pairs = tf.data.Dataset.from_tensor_slices((x, np.zeros(len(x)))).batch(6)
    assert_same(model.score(pairs), expected)
    np.testing.assert_array_equal(model.predict_label(pairs), model.predict_label(x))
    detector = LSADetector.from_model(model)
    np.testing.assert_array_equal(detector.decision_function(pairs), expected["ns"])
    np.testing.assert_array_equal(detector.predict(Batches(x, 3)), detector.predict(x))
    with pytest.raises(ValueError, match="NaN or Inf"):
        model.score(tf.data.Dataset.from_tensor_slices(
            np.full((2, 28, 28, 1), np.nan, "float32")).batch(2))


def test_progress_bar(calibrated, capsys, monkeypatch):
    model, x, expected = calibrated
    got = model.score(x, batch_size=2, verbose=1)
    np.testing.assert_allclose(got["ns"], expected["ns"], rtol=1e-5)  # other batch size
    assert "7/7" in capsys.readouterr().out  # Keras' Progbar: 7 batches of 2
    model.score(x, batch_size=2)  # "auto": no bar for a few batches
    assert capsys.readouterr().out == ""
    from lsa_keras.models.lsa import lsa_scorer

    many = 256 * (lsa_scorer.PROGRESS_MIN_BATCHES + 1)
    assert lsa_scorer.progress_verbosity("auto", many, 256) == 0  # pytest's output: not a tty
    monkeypatch.setattr(lsa_scorer, "interactive_output", lambda: True)
    assert lsa_scorer.progress_verbosity("auto", many, 256) == 1
    assert lsa_scorer.progress_verbosity("auto", 256, 256) == 0
    with pytest.raises(ValueError, match="verbose must be"):
        model.score(x, verbose="loud")


def test_cli_score_and_evaluate_show_the_bar_on_stderr(calibrated, tmp_path, capsys):
    from lsa_keras.cli import main
    from tests.test_case import write_image

    model, x, _ = calibrated
    folder = str(tmp_path / "model")
    model.save_pretrained(folder)
    for i in range(3):
        write_image(str(tmp_path / "images" / f"{i}.png"), x[i])
    assert main(["score", folder, str(tmp_path / "images")]) == 0
    captured = capsys.readouterr()
    rows = captured.out.strip().splitlines()
    assert rows[0] == "path,llk,rec,ns,novel" and len(rows) == 4  # the CSV alone on stdout
    assert "1/1" in captured.err  # Keras' progress bar
    assert main(["evaluate", folder, "--dataset", "mnist-sample", "--normal-class", "0",
                 "--out", str(tmp_path / "eval")]) == 0
    captured = capsys.readouterr()
    assert "| NS |" in captured.out and "/8" in captured.err  # 2000 test images, 8 batches
