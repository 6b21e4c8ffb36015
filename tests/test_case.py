"""The shared test case of the suite, in the manner of KerasHub's ``TestCase``: one place for
the round trips every layer and model test runs, and the small inputs they run them on."""

import keras
import numpy as np



def rand(*shape, seed=0):
    """Uniform float32 values in [0, 1) of ``shape``, the same for the same seed."""
    return np.random.RandomState(seed).rand(*shape).astype("float32")


def batch_norm_layers(block):
    """The batch normalisations of a :class:`~lsa_keras.layers.conv_block.ConvBlock`, main
    branch then shortcut."""
    return [layer for layer in (*block.main, *block.shortcut)
            if isinstance(layer, keras.layers.BatchNormalization)]


def with_moved_statistics(block, x):
    """Build ``block`` and give every batch normalisation non-trivial weights and statistics."""
    block(x, training=False)
    rng = np.random.RandomState(3)
    for layer in batch_norm_layers(block):
        n = layer.gamma.shape[0]
        layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
        layer.beta.assign(rng.uniform(-0.5, 0.5, n).astype("float32"))
        layer.moving_mean.assign(rng.uniform(-0.3, 0.3, n).astype("float32"))
        layer.moving_variance.assign(rng.uniform(0.2, 2.0, n).astype("float32"))
    return block


class PoisonWeights(keras.callbacks.Callback):
    """Turn the weights to NaN at the start of one epoch, as a diverging run would."""

    def __init__(self, epoch):
        super().__init__()
        self.at = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            w = self.model.encoder.trainable_weights[0]
            w.assign(keras.ops.full(w.shape, float("nan")))


def calibrated_tiny_lsa():
    """A compiled, briefly trained (so it has Adam's moments), calibrated tiny LSA, and its
    scores of ``mnist_like(6, 2)``: ``(model, scores)``."""
    from tests.helpers import mnist_like, tiny_lsa

    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    model.calibrate(mnist_like(20, 1))
    return model, model.score(mnist_like(6, 2))
