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


INITIALIZATIONS = ("torch", "torch-0.4.1")


def sublayers(networks):
    """Every layer inside ``networks`` (Keras models or layers), each once.

    Nested models and the blocks' own sublayers are walked too; the networks themselves are
    not yielded.

    Args:
        networks: an iterable of Keras models or layers.

    Yields:
        ``keras.layers.Layer`` objects, in Keras' traversal order.
    """
    seen = set()
    for network in networks:
        # Keras walks nested models and the custom blocks' own sublayers.
        for layer in network._flatten_layers(include_self=False, recursive=True):
            if id(layer) not in seen:
                seen.add(id(layer))
                yield layer


def apply_initialization(networks, initialization="torch", seed=None):
    """Re-draw the weights whose PyTorch default depends on the PyTorch version.

    The layers are built with today's PyTorch defaults (``"torch"``, nothing to do). The
    authors trained with torch 0.4.1, whose defaults differed in two places that matter here:
    ``BatchNorm`` scales (gamma) were drawn uniformly in [0, 1) instead of set to 1, and a
    transposed convolution's kernel and bias were uniform in +-1/sqrt(fan_in) with ``fan_in``
    counted over its *input* channels (``k*k*in``) instead of its output channels.
    ``"torch-0.4.1"`` re-draws those weights that way; everything else is the same in both.

    Args:
        networks: built Keras models or layers (for example the encoder and the decoder).
        initialization: one of :data:`INITIALIZATIONS`.
        seed: optional int, seed of the re-drawn values; default a draw from NumPy's global
            generator, which ``keras.utils.set_random_seed`` seeds with the rest.

    Returns:
        The number of layers re-initialised.
    """
    import numpy as np

    if initialization not in INITIALIZATIONS:
        raise ValueError(
            f"Unknown initialization {initialization!r}; use one of {', '.join(INITIALIZATIONS)}."
        )
    if initialization == "torch":
        return 0
    rng = np.random.default_rng(np.random.randint(0, 2**31 - 1) if seed is None else seed)
    transposed = (keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
    count = 0
    for layer in sublayers(networks):
        if isinstance(layer, keras.layers.BatchNormalization):
            if not layer.built:
                raise ValueError(f"Layer {layer.name!r} is not built; build the networks first.")
            if layer.scale:
                layer.gamma.assign(rng.uniform(0.0, 1.0, layer.gamma.shape).astype(layer.gamma.dtype))
                count += 1
        elif isinstance(layer, transposed):
            if not layer.built:
                raise ValueError(f"Layer {layer.name!r} is not built; build the networks first.")
            # Keras stores the kernel as (*kernel_size, out, in).
            shape = tuple(layer.kernel.shape)
            bound = 1.0 / math.sqrt(math.prod(shape[:-2]) * shape[-1])
            layer.kernel.assign(rng.uniform(-bound, bound, shape).astype(layer.kernel.dtype))
            if layer.use_bias:
                layer.bias.assign(
                    rng.uniform(-bound, bound, layer.bias.shape).astype(layer.bias.dtype)
                )
            count += 1
    return count
