"""Initialisers that reproduce PyTorch's defaults.

The reference implementation relies on PyTorch's default initialisation, and the training
notes in this project measured that Keras' defaults (Glorot-uniform kernels, zero biases) make
the autoencoder learn about three times slower. Every layer of the LSA architectures therefore
draws kernels and biases uniformly in +-1/sqrt(fan_in), as ``torch.nn.Linear``/``ConvNd`` do.
"""

import math

import keras


def torch_kernel_initializer(seed=None):
    """Kernel initialiser equal to PyTorch's default (``kaiming_uniform_(a=sqrt(5))``).

    Its bound is ``sqrt(6 / ((1 + 5) * fan_in)) = 1/sqrt(fan_in)``, which is what
    ``VarianceScaling(scale=1/3, mode="fan_in", distribution="uniform")`` draws. Keras computes
    ``fan_in`` of a transposed-convolution kernel ``(k, k, out, in)`` as ``k*k*out``, which is
    also what PyTorch computes for ``ConvTranspose`` weights.
    """
    return keras.initializers.VarianceScaling(
        scale=1.0 / 3.0, mode="fan_in", distribution="uniform", seed=seed
    )


@keras.saving.register_keras_serializable(package="lsa_keras")
class FanInUniform(keras.initializers.Initializer):
    """Uniform in ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]`` for a fan-in given up front.

    PyTorch initialises biases with the fan-in of the layer's weight, which a bias initialiser
    cannot infer from the bias' own shape; the layer passes it in. The masked layers also use
    it for their kernels, whose stored shape (free blocks only) says nothing about the fan-in.

    Args:
        fan_in: positive int, the number of inputs that feed one output unit.
        seed: optional int seed.
    """

    def __init__(self, fan_in, seed=None):
        if int(fan_in) <= 0:
            raise ValueError(f"fan_in must be a positive integer, got {fan_in!r}.")
        self.fan_in = int(fan_in)
        self.seed = seed
        self._uniform = keras.initializers.RandomUniform(
            -1.0 / math.sqrt(self.fan_in), 1.0 / math.sqrt(self.fan_in), seed=seed
        )

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, dtype=dtype)

    def get_config(self):
        return {"fan_in": self.fan_in, "seed": self.seed}


def torch_bias_initializer(fan_in, seed=None):
    """Bias initialiser equal to PyTorch's default for a layer with this fan-in."""
    return FanInUniform(fan_in, seed=seed)


def serialize_optional(initializer):
    """``keras.initializers.serialize`` that keeps ``None`` (meaning "the layer's default")."""
    return None if initializer is None else keras.initializers.serialize(initializer)
