"""A Gaussian VAE with LSA's encoder and decoder: the baseline of the supplement's Fig. 1."""

import keras
import numpy as np
from keras import ops

from lsa_keras.layers import TorchDense
from lsa_keras.losses import batch_mean, reconstruction_error
from lsa_keras.models.lsa import lsa_networks as architectures
from lsa_keras.models.lsa.lsa_trainer import JointLossTrainer, OwnObjectiveCompile


@keras.saving.register_keras_serializable(package="lsa_keras")
class VAE(OwnObjectiveCompile, JointLossTrainer, keras.Model):
    """Variational autoencoder with a standard normal prior over a code of length ``d``.

    Build it with :meth:`from_architecture` to get LSA's encoder (its last layer outputs the
    mean and log-variance of ``q(z|x)`` instead of the sigmoid code) and LSA's decoder, so the
    two models differ only in how the code is regularised: a fixed Gaussian prior here, a
    learned autoregressive one in LSA. Trained with ``fit`` on images in [0, 1]; the loss is
    the sum of squared errors (as LSA's REC) plus the KL divergence to the prior, logged as
    ``loss``, ``rec`` and ``kl``.

    Calling the model on images ``(batch, *input_shape)`` returns a dict with
    ``"reconstruction"``, ``"mean"`` and ``"log_var"`` (``(batch, d)`` each); when training,
    the decoder sees ``mean + exp(log_var / 2) * noise``, otherwise the mean.

    Args:
        encoder: ``keras.Model`` from images to ``(batch, 2 * d)`` (mean, then log-variance).
        decoder: ``keras.Model`` from ``(batch, d)`` codes to images.
        architecture: name of the architecture the networks came from, if any.
        seed: seed of the reparameterisation noise.
    """

    def __init__(self, encoder, decoder, architecture=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        width = int(encoder.output_shape[-1])
        if width % 2 or int(decoder.input_shape[-1]) != width // 2:
            raise ValueError(
                f"the encoder must output 2*d values (mean and log-variance) for a decoder of "
                f"d inputs; got {width} and {decoder.input_shape[-1]}.")
        self.encoder, self.decoder = encoder, decoder
        self.code_length = width // 2
        self.architecture, self.seed = architecture, seed
        self.image_shape = tuple(encoder.input_shape[1:])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rec_tracker = keras.metrics.Mean(name="rec")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True

    @classmethod
    def from_architecture(cls, name, code_length=64, seed=None, **kwargs):
        """A VAE whose encoder and decoder are LSA's for the image setting ``name``."""
        encoder, decoder, _ = architectures.build_networks(name, code_length=code_length)
        if len(encoder.output_shape) != 2:
            raise ValueError(f"VAE.from_architecture supports the image settings; {name!r} "
                             "has a code per time step.")
        body = [layer for layer in encoder.layers if layer.name != "code"]
        gaussian = keras.Sequential(
            [keras.Input(encoder.input_shape[1:]), *body,
             TorchDense(2 * code_length, name="mean_log_var")], name="encoder")
        return cls(gaussian, decoder, architecture=name, seed=seed, **kwargs)

    def call(self, inputs, training=None):
        stats = self.encoder(inputs, training=training)
        mean, log_var = stats[:, : self.code_length], stats[:, self.code_length:]
        z = mean
        if training:
            noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            z = mean + ops.exp(0.5 * log_var) * noise
        return {"reconstruction": self.decoder(z, training=training), "mean": mean,
                "log_var": log_var}

    def joint_loss(self, x, outputs, sample_weight=None):
        """Batch means ``{"loss", "rec", "kl"}``; REC as LSA's, KL to N(0, I) in nats."""
        rec = reconstruction_error(x, outputs["reconstruction"])
        mean = ops.cast(outputs["mean"], "float32")
        log_var = ops.cast(outputs["log_var"], "float32")
        kl = 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)
        rec, kl = batch_mean(rec, sample_weight), batch_mean(kl, sample_weight)
        return {"loss": rec + kl, "rec": rec, "kl": kl}

    @property
    def metrics(self):
        return [self.loss_tracker, self.rec_tracker, self.kl_tracker]

    objective = "REC + KL to the standard normal prior"

    def sample(self, n, seed=None):
        """Decode ``n`` codes drawn from the prior; float32 ``(n, *image_shape)`` in [0, 1]."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}.")
        z = np.random.default_rng(seed).standard_normal((int(n), self.code_length))
        images = ops.convert_to_numpy(self.decoder(z.astype("float32"), training=False))
        return np.clip(images, 0.0, 1.0).astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update({
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "architecture": self.architecture,
            "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for part in ("encoder", "decoder"):
            config[part] = keras.saving.deserialize_keras_object(config[part])
        return cls(**config)
