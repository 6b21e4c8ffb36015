import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest

from lsa_keras import LSA, available_architectures
from tests.test_case import (ROOT, Batches, mnist_like, run_model_saving_test, tiny_lsa,
                             to_numpy)

pytestmark = pytest.mark.backend


def test_estimator_is_autoregressive_in_the_code():
    model = tiny_lsa(code_length=6, bins=5, units=(3, 3))
    z = np.random.rand(2, 6, 1).astype("float32")
    base = to_numpy(model.estimator(z))
    for i in range(6):
        z2 = z.copy()
        z2[:, i] += 0.5
        changed = np.abs(to_numpy(model.estimator(z2)) - base).max(axis=(0, 2)) > 1e-7
        assert not changed[: i + 1].any() and changed[i + 1:].all()


@pytest.fixture(scope="module")
def fitted():
    """One tiny LSA (lam 0.5) compiled as users do and fitted 2 epochs with validation, shared
    by the tests below: each fresh model costs its train and test steps' compilation."""
    keras.utils.set_random_seed(7)
    model = tiny_lsa(lam=0.5)
    before = [to_numpy(w).copy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(mnist_like(16), batch_size=8, epochs=2,
                        validation_data=(mnist_like(8, 1),), verbose=0)
    return model, before, history.history


def test_fit_logs_the_three_terms_and_validates(fitted):
    model, _, history = fitted
    for key in ("loss", "rec", "llk", "val_loss", "val_rec", "val_llk"):
        assert len(history[key]) == 2 and np.isfinite(history[key]).all()
    # Logged terms are unweighted; the loss weighs LLK by lam.
    np.testing.assert_allclose(history["loss"][-1], history["rec"][-1] + 0.5 * history["llk"][-1],
                               rtol=1e-4)
    result = model.evaluate(mnist_like(8, 1), batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], history["val_loss"][-1], rtol=1e-5)


def test_fit_compiles_with_supplement_defaults():
    model = tiny_lsa()
    model.fit(mnist_like(4), epochs=1, verbose=0)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-4)


def test_fit_changes_every_part(fitted):
    model, before, _ = fitted
    after = [to_numpy(w) for w in model.trainable_weights]
    moved = {w.path.split("/")[0] for w, b, a in zip(model.trainable_weights, before, after)
             if not np.array_equal(b, a)}
    assert moved == {"encoder", "decoder", "estimator"}


def test_fit_shuffles_each_epoch_into_a_new_order_that_the_seed_repeats():
    # With a learning rate of 0 the weights stay put, so the loss logged after an epoch's first
    # batch tells which images that batch held (batch normalisation uses the batch's own
    # statistics in training).
    x = mnist_like(32)

    def first_batch_losses(seed):
        keras.utils.set_random_seed(seed)
        model = tiny_lsa()
        model.compile(optimizer=keras.optimizers.SGD(0.0))
        firsts = []
        record = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: batch or firsts.append(float(logs["loss"])))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(x, batch_size=8, epochs=4, verbose=0, callbacks=[record])
        assert not [w for w in caught if "shuffle" in str(w.message)]
        return firsts

    losses = first_batch_losses(1)
    assert len(losses) == 4 and len({round(v, 4) for v in losses}) == 4
    assert first_batch_losses(1) == losses


def test_save_and_load_round_trip(fitted, tmp_path):
    model = fitted[0]
    x = mnist_like(5, 2)
    # The same outputs to the last bit, as many parameters (and no pretrained folder: an
    # uncalibrated model has none).
    loaded, pretrained = run_model_saving_test(model, x, str(tmp_path))
    assert pretrained is None
    assert isinstance(loaded, LSA) and loaded.lam == 0.5 and loaded.architecture == "mnist"
    # The optimiser state travels too, so training can resume from the file.
    assert int(to_numpy(loaded.optimizer.iterations)) == int(to_numpy(model.optimizer.iterations)) == 4
    loaded.fit(x, batch_size=5, epochs=1, verbose=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown architecture"):
        LSA.from_architecture("imagenet")
    assert available_architectures() == ["cifar10", "dreyeve", "mnist", "shanghaitech",
                                         "ucsd_ped2"]
    with pytest.raises(ValueError, match="own objective"):
        tiny_lsa().compile(loss="mse")


def test_fit_refuses_counts_keras_would_take():
    """Issue 33: fit(batch_size=0) and fit(epochs=-3) trained without complaint."""
    model, x = tiny_lsa(), mnist_like(4)
    for kwargs, error, match in [
            ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
            ({"epochs": -3}, ValueError, "epochs must be >= 1"),
            ({"epochs": 0}, ValueError, "epochs must be >= 1"),
            ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
            ({"batch_size": "8"}, TypeError, "batch_size must be an integer"),
            ({"batch_size": True}, TypeError, "batch_size must be an integer"),
            ({"steps_per_epoch": 0}, ValueError, "steps_per_epoch must be >= 1"),
            ({"epochs": 2, "initial_epoch": 2}, ValueError, "greater than initial_epoch")]:
        with pytest.raises(error, match=match):
            model.fit(x, verbose=0, **kwargs)
    assert not model.compiled  # refused before anything was set up


def test_fit_checks_and_converts_every_batch_of_a_dataset():
    """Issue 33: a dataset of uint8 images, or of floats in 0-255, trained on raw pixels
    (loss 7.6e6). Datasets and PyDatasets get the arrays' conversion and checks, batch by
    batch, as x and as validation_data."""
    keras.utils.set_random_seed(5)
    model = tiny_lsa()
    pixels = (mnist_like(16) * 255).astype("uint8")
    start = model.get_weights()
    # The loss of a 1-step epoch is that of the starting weights: uint8 batches are divided
    # by 255 exactly as arrays are.
    expected = model.fit(pixels[:8], batch_size=8, verbose=0).history["loss"][0]
    model.set_weights(start)
    got = model.fit(Batches(pixels[:8]), verbose=0).history["loss"][0]
    assert got == pytest.approx(expected, rel=1e-5) and got < 1e3
    bad = pixels.astype("float32")
    # Every batch is bad; which one Keras reads first depends on the backend (JAX and PyTorch
    # read ahead).
    with pytest.raises(ValueError, match=r"x, batch \d+: float images must be in \[0, 1\]"):
        model.fit(Batches(bad), verbose=0)
    nan = mnist_like(16)
    nan[12, 3, 3, 0] = np.nan
    with pytest.raises(ValueError, match="x, batch 1: images contain NaN"):
        model.fit(Batches(nan), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data, batch \d+: .*must be in \[0, 1\]"):
        model.fit(pixels, validation_data=Batches(bad), verbose=0)
    with pytest.raises(ValueError, match=r"must have shape \(n, 28, 28, 1\)"):
        model.fit(Batches(pixels[:, :, :20]), verbose=0)
    if keras.backend.backend() == "torch":
        return  # tf.data next to torch crashed torch steps (test_fit_on_an_unlabeled_tf_data_dataset)
    import tensorflow as tf

    model.set_weights(start)
    dataset = tf.data.Dataset.from_tensor_slices(pixels[:8]).batch(8)
    got = model.fit(dataset, verbose=0).history["loss"][0]
    assert got == pytest.approx(expected, rel=1e-5)
    for images, match in [(bad, r"x, batch 0: float images must be in \[0, 1\], got values"),
                          (nan, "x, batch 1: images contain NaN or Inf"),
                          (pixels.astype("int32"), "dtype int32"),
                          (pixels[:, :, :20], r"model takes \(batch, 28, 28, 1\)")]:
        with pytest.raises(ValueError, match=match):
            model.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), verbose=0)
    with pytest.raises(ValueError, match="single images .* not batches"):
        model.fit(tf.data.Dataset.from_tensor_slices(pixels), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data, batch \d+: float images must be in"):
        model.fit(dataset, validation_data=tf.data.Dataset.from_tensor_slices(bad).batch(8),
                  verbose=0)
    with pytest.raises(ValueError, match="no batches"):
        model.fit(dataset.filter(lambda b: False), verbose=0)


_FIT_ON_TF_DATA = """
import warnings
import numpy as np
import tensorflow as tf
from tests.test_case import mnist_like, tiny_lsa

model = tiny_lsa()
dataset = tf.data.Dataset.from_tensor_slices(mnist_like(12)).batch(4)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model.fit(dataset, epochs=1, verbose=0)
assert np.isfinite(history.history["loss"][0]), history.history
# Keras' default shuffle=True means nothing for a tf.data.Dataset; no warning says it does.
assert not [w for w in caught if "shuffle" in str(w.message)], [str(w.message) for w in caught]
"""
# PyTorch's check that scoring streams tf.data (test_lsa_scorer's tf.data tests run under
# TensorFlow and JAX): the array's scores and statistics, in the same batches.
_SCORE_TF_DATA = """
stats = model.calibrate(dataset, batch_size=4)
assert stats == model.calibrate(mnist_like(12), batch_size=4), stats
pixels = (mnist_like(6, 1) * 255).astype("uint8")
expected = model.score(pixels, batch_size=3)
got = model.score(tf.data.Dataset.from_tensor_slices(pixels), batch_size=3)  # single images
for k in expected:
    np.testing.assert_array_equal(got[k], expected[k])
try:
    model.score(tf.data.Dataset.from_tensor_slices(pixels * 1.0).batch(3))
except ValueError as e:
    assert "x, batch 0: float images must be in [0, 1]" in str(e), e
else:
    raise AssertionError("floats in 0-255 were scored")
"""


def test_fit_on_an_unlabeled_tf_data_dataset():
    """Fit (and, under PyTorch, calibrate and score: test_lsa_scorer's tf.data tests run under
    TensorFlow and JAX) on a tf.data.Dataset."""
    if keras.backend.backend() != "torch":
        exec(_FIT_ON_TF_DATA, {})
        return
    # Under PyTorch in its own process: TensorFlow and torch loaded in one process crashed
    # later torch train steps in this test run with a segmentation fault.
    env = dict(os.environ, KERAS_BACKEND="torch")
    done = subprocess.run([sys.executable, "-c", _FIT_ON_TF_DATA + _SCORE_TF_DATA], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def test_input_noise_only_while_training():
    model = LSA.from_architecture("mnist", code_length=8, bins=10, estimator_units=(4,),
                                  input_noise=0.1)
    x = mnist_like(4)
    # Batch statistics make training-mode calls deterministic, so a difference is the noise.
    a, b = (to_numpy(model(x, training=True)["code"]) for _ in range(2))
    assert np.abs(a - b).max() > 1e-4
    np.testing.assert_array_equal(to_numpy(model(x)["code"]), to_numpy(model(x)["code"]))
    # The noise's seed is model state that JAX's stateless step must thread through. No XLA
    # on TensorFlow (compiling it costs more than the test's point); JAX stays jitted (its
    # eager steps are slower still).
    jit = False if keras.backend.backend() == "tensorflow" else "auto"
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
    history = model.fit(x, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    clone = LSA.from_config(model.get_config())
    assert clone.input_noise == 0.1 and clone.lam == 1.0
    with pytest.raises(ValueError, match="input_noise"):
        LSA.from_architecture("mnist", input_noise=-1)


def test_default_compile_and_the_xla_step_agree():
    """On a CPU, TensorFlow trains without XLA (Keras' "auto"); video models never use it; the
    XLA step, the default on a GPU, gives the same update."""
    model = tiny_lsa()
    model.compile()
    expected = keras.backend.backend() == "jax"  # Keras' "auto": jit under JAX, not on a CPU
    assert model.jit_compile == expected
    if keras.backend.backend() != "tensorflow":
        return  # the rest is TensorFlow's (and building a video model under JAX takes ~40 s)
    video = LSA.from_architecture("ucsd_ped2", code_length=4, bins=5, estimator_units=(2,))
    video.compile(jit_compile="auto")
    assert video.jit_compile is False
    x = mnist_like(4)
    steps = []
    for jit in (False, True):
        keras.utils.set_random_seed(5)
        m = tiny_lsa()
        before = [to_numpy(w) for w in m.trainable_weights]
        m.compile(optimizer=keras.optimizers.SGD(1e-3), jit_compile=jit)
        loss = m.fit(x, batch_size=4, epochs=1, verbose=0, shuffle=False).history["loss"][0]
        steps.append((loss, [to_numpy(w) - w0 for w, w0 in zip(m.trainable_weights, before)]))
    np.testing.assert_allclose(steps[0][0], steps[1][0], rtol=1e-4)
    # The two compilers round differently: the updates agree to 1% of their size (measured:
    # 1e-4), except biases followed by batch normalisation, whose gradients are rounding noise.
    for a, b in zip(steps[0][1], steps[1][1]):
        assert np.linalg.norm(a - b) <= 1e-2 * np.linalg.norm(a) + 1e-6


def calibration(model):
    """The normalisation statistics ``calibrate`` stored: (score_min, score_max)."""
    return (to_numpy(model.score_min).tolist(), to_numpy(model.score_max).tolist())


def test_mixed_bfloat16_copy_scores_like_the_float32_model():
    keras.utils.set_random_seed(2)
    model = tiny_lsa()
    x = mnist_like(6, 3)
    model.calibrate(mnist_like(6, 4))  # the same batch shape as x: one compilation
    half = model.with_dtype_policy("mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"  # the global policy is left alone
    assert half.estimator.layers[0].dtype_policy.name == "mixed_bfloat16"
    out = half.compute_output_spec(keras.KerasTensor((2, 28, 28, 1)))  # no eager op compiles
    # The code and the reconstruction stay float32 (bin edges, sum of squared errors).
    assert "float32" in str(out["code"].dtype) and "float32" in str(out["reconstruction"].dtype)
    assert "bfloat16" in str(out["logits"].dtype)
    assert calibration(half) == calibration(model) and half.threshold_ == model.threshold_
    full, mixed = model.score(x), half.score(x)
    for k in ("llk", "rec", "ns"):
        assert mixed[k].dtype == np.float64 and np.isfinite(mixed[k]).all()
    # Raw scores only: an untrained model's validation range is narrow, so NS magnifies them.
    for k in ("llk", "rec"):
        np.testing.assert_allclose(mixed[k], full[k], rtol=1e-2)
    for w in half.weights:  # weights are float32 copies, not shared variables
        assert "float32" in str(w.dtype)
    half.score_min.assign(np.zeros(2, "float32") - 5)
    assert calibration(model) != calibration(half)


def test_mixed_bfloat16_model_trains():
    keras.utils.set_random_seed(1)
    model = LSA.from_architecture("mnist", dtype="mixed_bfloat16", estimator_units=(4,))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(mnist_like(8), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(ValueError, match="architecture"):
        LSA(model.encoder, model.decoder, model.estimator).with_dtype_policy("float32")


def test_a_fit_stopped_by_a_bad_batch_keeps_the_model_usable():
    """Keras' JAX trainer empties the variables while it trains; a bad batch stopping ``fit``
    must not leave them empty (the model would read its initializers instead)."""
    model = tiny_lsa()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = mnist_like(16)
    model.fit(x[:8], batch_size=8, verbose=0)  # builds the optimizer
    before = model.get_weights()
    with pytest.raises(ValueError, match="batch"):
        model.fit(Batches((x * 255).astype("float32")), verbose=0)  # its first batch is bad
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    nan = x.copy()
    nan[12, 3, 3, 0] = np.nan  # batch 1 (whether step 0 ran first depends on read-ahead)
    with pytest.raises(ValueError, match="batch 1"):
        model.fit(Batches(nan), verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert np.isfinite(model.evaluate(x, verbose=0, return_dict=True)["loss"])
