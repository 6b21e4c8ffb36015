import keras
import numpy as np
import pytest

from lsa_keras import losses
from tests.test_case import mnist_like, tiny_lsa, to_numpy

pytestmark = pytest.mark.backend


def numpy_loss(x, rec, code, logits, lam):
    bins = logits.shape[-1]
    sse = ((x - rec) ** 2).reshape(len(x), -1).sum(1)
    target = np.clip(np.floor(code * bins), 0, bins - 1).astype(int)
    shifted = logits - logits.max(-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    nll = -np.take_along_axis(log_softmax, target[..., None], -1)[..., 0]
    llk = nll.reshape(len(x), -1).sum(1)
    return sse.mean() + lam * llk.mean(), sse.mean(), llk.mean()


def test_total_loss_equals_numpy_on_a_fixed_batch():
    model = tiny_lsa(code_length=8, bins=10, lam=0.7)
    x = mnist_like(6)
    out = model(x, training=False)
    got = {k: float(to_numpy(v)) for k, v in model.joint_loss(x, out).items()}
    o = {k: to_numpy(v).astype("float64") for k, v in out.items()}
    total, rec, llk = numpy_loss(x.astype("float64"), o["reconstruction"], o["code"], o["logits"], 0.7)
    assert got["loss"] == pytest.approx(total, rel=1e-5)
    assert got["rec"] == pytest.approx(rec, rel=1e-5)
    assert got["llk"] == pytest.approx(llk, rel=1e-5)


def test_quantize_edges():
    z = np.array([[0.0, 0.0099, 0.01, 0.5, 0.999, 1.0]], "float32")
    np.testing.assert_array_equal(to_numpy(losses.quantize(z, 100)), [[0, 0, 1, 50, 99, 99]])


def test_sample_weight_is_a_weighted_mean():
    model = tiny_lsa()
    x = mnist_like(4)
    out = model(x, training=False)
    w = np.array([1.0, 0.0, 2.0, 0.0], "float32")
    weighted = float(to_numpy(model.joint_loss(x, out, w)["loss"]))
    rec, llk = (to_numpy(v) for v in losses.per_sample_losses(x, out))
    expected = ((rec + llk) * w).sum() / w.sum()
    assert weighted == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape")
def test_llk_gradient_reaches_encoder_through_the_estimator_input():
    import tensorflow as tf

    model = tiny_lsa()
    x = mnist_like(4)
    with tf.GradientTape() as tape:
        llk = model.joint_loss(x, model(x, training=True))["llk"]
    grads = tape.gradient(llk, model.encoder.trainable_weights)
    assert any(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)
    # With the estimator's input detached as well, the encoder would get no LLK gradient.
    with tf.GradientTape() as tape:
        code = tf.stop_gradient(model.encoder(x, training=True))
        llk = losses.surprisal(code, model.estimator(code[..., None]))
    grads = tape.gradient(llk, model.encoder.trainable_weights)
    assert all(g is None for g in grads)
