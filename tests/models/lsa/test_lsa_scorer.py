"""Scoring an LSA: calibration, score/decision_function/predict_label on arrays and on tf.data
and PyDataset batches streamed with the same checks, calibration saved with the model, the
progress bar."""

import weakref

import keras
import numpy as np
import pytest

from lsa_keras import scoring
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
# same checks. Datasets are streamed through the compiled scorer, batch by batch, keeping only
# the scores: in the same batches they score exactly as the array does. Long scoring shows
# Keras' progress bar.

@pytest.fixture(scope="module")
def calibrated():
    model = tiny_lsa()
    model.calibrate(mnist_like(20, 1))
    x = (mnist_like(13, 2) * 255).astype("uint8")
    return model, x, model.score(x, batch_size=5)


def assert_same(got, expected):
    for k in ("llk", "rec", "ns"):
        np.testing.assert_array_equal(got[k], expected[k])


def assert_close(got, expected):
    """Scores of other batches: oneDNN and XLA pick kernels by batch size (float32 rounding),
    which NS magnifies by the inverse of the small score range of 20 random images."""
    for k in ("llk", "rec"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-5)
    np.testing.assert_allclose(got["ns"], expected["ns"], atol=1e-3)


class Endless(keras.utils.PyDataset):
    """A PyDataset with no end (``num_batches`` None): Keras reads it until told to stop."""

    num_batches = None

    def __getitem__(self, index):
        return np.zeros((2, 28, 28, 1), "uint8")


class Dicts(Batches):
    def __getitem__(self, index):
        return {"image": super().__getitem__(index)}


@pytest.mark.backend
def test_pydataset_scores_as_the_array(calibrated):
    model, x, expected = calibrated
    assert_same(model.score(Batches(x, 5)), expected)  # the same batches, the same scores
    assert_same(model.score(Batches(x, 5, with_labels=True)), expected)  # (x, y): x is scored
    assert_same(model.score(Batches(x.astype("float32") / 255, 5)), expected)
    assert_close(model.score(Batches(x, 4)), expected)
    np.testing.assert_array_equal(model.decision_function(Batches(x, 5)), expected["ns"])
    np.testing.assert_array_equal(model.predict_label(Batches(x, 5)),
                                  model.predict_label(x, batch_size=5))
    x_val = mnist_like(20, 1)
    assert model.calibrate(Batches(x_val, 7)) == model.calibrate(x_val, batch_size=7)
    model.calibrate(x_val)  # the fixture's statistics back


@pytest.mark.backend
def test_bad_pydataset_batches_fail_as_arrays_do_naming_the_batch(calibrated):
    """A bad batch stops scoring (here calibration) with the array's ValueError, prefixed by the
    batch, and leaves the calibration as it was; under JAX, a predict stopped that way gives the
    model its variables back (Keras' JAX trainer empties them while it runs)."""
    model, x, expected = calibrated
    nan = mnist_like(10)
    nan[7, 0, 0, 0] = np.nan
    for images, batch, bad in [(np.concatenate([mnist_like(5), mnist_like(5) * 255]), 1,
                                mnist_like(5) * 255),
                               (nan, 1, nan[5:]),
                               (x.astype("int32"), 0, x[:5].astype("int32")),
                               (np.zeros((10, 28, 28, 3), "uint8"), 0, np.zeros((5, 28, 28, 3)))]:
        with pytest.raises(ValueError) as array_error:
            model.calibrate(bad)
        with pytest.raises(ValueError) as batch_error:
            model.calibrate(Batches(images, 5))
        assert str(batch_error.value) == f"x_val, batch {batch}: {array_error.value}"
        assert_same(model.score(x, batch_size=5), expected)  # the model still scores the same
    for source, match in [(Dicts(x, 5), "x, batch 0: a dict; the model takes batches of images"),
                          (Batches(x[:0]), "x is an empty PyDataset"),
                          (Endless(), "x is an infinite PyDataset")]:
        with pytest.raises(ValueError, match=match):
            model.score(source)
    with pytest.raises(ValueError, match="x, batch 1: images contain NaN"):
        model.score(Batches(nan, 5))
    assert_same(model.score(x, batch_size=5), expected)


class Generated(keras.utils.PyDataset):
    """``batches`` batches of 2 float images each, made when Keras asks for them, that count
    how many of them are alive (referenced by anyone) at each request."""

    def __init__(self, batches):
        super().__init__()
        self.batches, self.alive, self.most_alive, self.requests = batches, [], 0, 0

    @staticmethod
    def images(index):
        return np.random.RandomState(index).rand(2, 28, 28, 1).astype("float32")

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        self.requests += 1
        self.alive = [ref for ref in self.alive if ref() is not None]
        self.most_alive = max(self.most_alive, len(self.alive))
        # It owns its memory, so the checked batch (a float32 view of it, not a copy) keeps it
        # alive for as long as the scoring holds that.
        batch = Tracked((2, 28, 28, 1), "float32")
        batch[...] = self.images(index)
        self.alive.append(weakref.ref(batch))
        return batch


class Tracked(np.ndarray):
    """An array that weak references can follow (plain ndarrays take none)."""


@pytest.mark.backend
def test_datasets_are_streamed_not_materialised(calibrated):
    """Scoring a dataset keeps a few batches alive at a time, never all of them: concatenating
    the batches before scoring (as until issue 34) would hold every one at the last request."""
    model, _, _ = calibrated
    source = Generated(48)
    got = model.score(source)
    assert source.requests >= 48 and source.most_alive <= 16, (source.requests,
                                                                source.most_alive)
    assert_close(got, model.score(np.concatenate([Generated.images(i) for i in range(48)])))


@pytest.mark.backend
def test_tf_data_pipelines_score_as_the_array(calibrated):
    if keras.backend.backend() == "torch":
        pytest.skip("under PyTorch in its own process: test_lsa's test_fit_on_an_unlabeled_tf_"
                    "data_dataset (TensorFlow next to torch crashed torch steps)")
    import tensorflow as tf

    model, x, expected = calibrated
    # A pipeline that decodes PNGs as it is read: the uint8 images the array holds.
    pngs = tf.data.Dataset.from_tensor_slices([tf.io.encode_png(image).numpy() for image in x])
    images = pngs.map(lambda png: tf.io.decode_png(png, channels=1))
    assert_same(model.score(images.batch(5)), expected)
    assert_same(model.score(images, batch_size=5), expected)  # single images, batched by score
    floats = images.map(lambda image: tf.cast(image, tf.float32) / 255.0)
    assert_close(model.score(floats.batch(4)), expected)
    pairs = tf.data.Dataset.zip(images, tf.data.Dataset.range(len(x))).batch(5)  # (x, y)
    assert_same(model.score(pairs), expected)
    np.testing.assert_array_equal(model.predict_label(pairs), model.predict_label(x, batch_size=5))
    x_val = mnist_like(20, 1)
    assert model.calibrate(tf.data.Dataset.from_tensor_slices(x_val).batch(7)) == \
        model.calibrate(x_val, batch_size=7)
    model.calibrate(x_val)  # the fixture's statistics back


@pytest.mark.backend
def test_bad_tf_data_batches_fail_as_arrays_do(calibrated):
    """The checks run inside tf.data; their errors come out as ValueErrors naming the batch
    (or, for what the dataset's element spec tells, the dataset), not as TensorFlow's."""
    if keras.backend.backend() == "torch":
        pytest.skip("under PyTorch in its own process: test_lsa's test_fit_on_an_unlabeled_tf_"
                    "data_dataset")
    import tensorflow as tf

    model, x, expected = calibrated
    nan = mnist_like(10)
    nan[7, 0, 0, 0] = np.nan
    slices = tf.data.Dataset.from_tensor_slices
    ragged = tf.data.Dataset.from_generator(  # batch shapes known only when read
        lambda: iter([x[:5], x[:5, :20]]), output_signature=tf.TensorSpec((None, None, None, 1),
                                                                          tf.uint8))
    for source, match in [
            (slices(nan).batch(5), r"^x, batch 1: images contain NaN or Inf values\.$"),
            (slices(np.concatenate([mnist_like(5), mnist_like(5) * 255])).batch(5),
             r"^x, batch 1: float images must be in \[0, 1\], got values in \[0\.\d+, 25\d\.\d+\]"),
            (slices(x.astype("int32")).batch(5), "x yields images of dtype int32; images must be"),
            (slices(np.zeros((4, 28, 28, 3), "uint8")).batch(2),
             r"x yields batches of shape \(None, 28, 28, 3\); the model takes \(batch, 28, "),
            (ragged, r"^x, batch 1: a batch of shape \(5, 20, 28, 1\); the model takes"),
            (slices({"image": x}).batch(5), "x yields dicts; the model takes batches of images"),
            (slices(x).batch(5).filter(lambda batch: False), "x yielded no batches of images"),
            (slices(x).batch(5).take(0), "x is an empty dataset"),
            (slices(x).batch(5).repeat(), "x is an infinite dataset")]:
        with pytest.raises(ValueError, match=match):
            model.score(source)
    with pytest.raises(ValueError, match="x_val, batch 1: images contain NaN"):
        model.calibrate(slices(nan).batch(5))
    assert_same(model.score(x, batch_size=5), expected)  # the model and its calibration intact


def test_progress_bar(calibrated, capsys, monkeypatch):
    model, x, expected = calibrated
    got = model.score(x, batch_size=2, verbose=1)
    assert_close(got, expected)  # other batch size
    assert "7/7" in capsys.readouterr().out  # Keras' Progbar: 7 batches of 2
    model.score(x, batch_size=2)  # "auto": no bar for a few batches
    assert capsys.readouterr().out == ""
    from lsa_keras.models.lsa import lsa_scorer

    many = lsa_scorer.PROGRESS_MIN_BATCHES + 1
    assert lsa_scorer.progress_verbosity("auto", many) == 0  # pytest's output: not a tty
    monkeypatch.setattr(lsa_scorer, "interactive_output", lambda: True)
    assert lsa_scorer.progress_verbosity("auto", many) == 1
    assert lsa_scorer.progress_verbosity("auto", many - 1) == 0
    assert lsa_scorer.progress_verbosity("auto", None) == 1  # a dataset of unknown length
    model.score(Batches(np.concatenate([x, x]), 1))  # "auto" counts a dataset's batches
    assert "26/26" in capsys.readouterr().out
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
