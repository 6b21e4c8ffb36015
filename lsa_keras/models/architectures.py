"""The networks of each LSA setting (supplement Table 1, as the reference code builds them).

Each builder returns ``(encoder, decoder, estimator)`` as Keras models. Register a new
setting (the video models come later) with :func:`register_architecture`.
"""

import keras

from lsa_keras.layers import DownBlock, MaskedDense, ResidualBlock, TorchDense, UpBlock
from lsa_keras.layers.blocks import batch_norm, leaky_relu
from lsa_keras.initializers import torch_kernel_initializer

_ARCHITECTURES = {}


def register_architecture(name, input_shape):
    """Decorator: register ``builder(code_length, bins, estimator_units) -> (enc, dec, est)``."""

    def decorator(builder):
        _ARCHITECTURES[name] = (builder, tuple(input_shape))
        return builder

    return decorator


def available_architectures():
    return sorted(_ARCHITECTURES)


def build_networks(name, code_length=64, bins=100, estimator_units=(32, 32, 32, 32)):
    """Build the encoder, decoder and estimator of a registered architecture.

    Args:
        name: ``"mnist"`` or ``"cifar10"`` (see :func:`available_architectures`).
        code_length: d, the number of latent variables.
        bins: B, the number of bins of each conditional distribution.
        estimator_units: channels of the hidden estimator layers (the last layer has ``bins``).

    Returns:
        ``(encoder, decoder, estimator)``: ``x (batch, *input_shape) -> z (batch, d)``,
        ``z -> x_hat``, and ``z[..., None] (batch, d, 1) -> logits (batch, d, bins)``.
    """
    if name not in _ARCHITECTURES:
        raise ValueError(
            f"Unknown architecture {name!r}; available: {', '.join(available_architectures())}."
        )
    if int(code_length) <= 0 or int(bins) <= 1:
        raise ValueError(
            f"code_length must be >= 1 and bins >= 2, got code_length={code_length!r}, "
            f"bins={bins!r}."
        )
    builder, input_shape = _ARCHITECTURES[name]
    return builder(input_shape, int(code_length), int(bins), tuple(int(u) for u in estimator_units))


def mfc_estimator(code_length, bins, units, name="estimator"):
    """MFC estimator: MFC-A, then MFC-B layers, LeakyReLU between them, logits at the end.

    Input ``(batch, d, 1)``, output ``(batch, d, bins)``.
    """
    layers = [keras.Input((code_length, 1))]
    for k, u in enumerate(units):
        layers += [MaskedDense(u, "A" if k == 0 else "B", name=f"mfc{k}"), leaky_relu(f"act{k}")]
    layers.append(MaskedDense(bins, "A" if not units else "B", name=f"mfc{len(units)}"))
    return keras.Sequential(layers, name=name)


def _fc_bn_act(units, name):
    return [TorchDense(units, name=f"{name}_fc"), batch_norm(f"{name}_bn"), leaky_relu(f"{name}_act")]


def _encoder(input_shape, features, hidden_units, code_length):
    """Convolutional features -> flatten -> FC + BN + act -> FC to the sigmoid code."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            *features,
            keras.layers.Flatten(name="flatten"),
            *_fc_bn_act(hidden_units, "fc1"),
            TorchDense(code_length, activation="sigmoid", name="code"),
        ],
        name="encoder",
    )


def _decoder(code_length, hidden_units, grid, upsampling, channels):
    """Code -> FC + BN + act -> FC to a feature grid + BN + act -> blocks -> linear 1x1 conv."""
    return keras.Sequential(
        [
            keras.Input((code_length,)),
            *_fc_bn_act(hidden_units, "fc1"),
            *_fc_bn_act(grid[0] * grid[1] * grid[2], "fc2"),
            keras.layers.Reshape(grid, name="reshape"),
            *upsampling,
            keras.layers.Conv2D(
                channels, 1, use_bias=False, kernel_initializer=torch_kernel_initializer(),
                name="output",
            ),
        ],
        name="decoder",
    )


@register_architecture("mnist", (28, 28, 1))
def _mnist(input_shape, code_length, bins, units):
    encoder = _encoder(
        input_shape, [DownBlock(32, 2, name="down1"), DownBlock(64, 2, name="down2")], 64,
        code_length,
    )
    decoder = _decoder(
        code_length, 64, (7, 7, 64), [UpBlock(32, 2, name="up1"), UpBlock(16, 2, name="up2")],
        input_shape[-1],
    )
    return encoder, decoder, mfc_estimator(code_length, bins, units)


@register_architecture("cifar10", (32, 32, 3))
def _cifar10(input_shape, code_length, bins, units):
    features = [
        # The first conv has no padding (32 -> 30), no bias and no batch normalisation.
        keras.layers.Conv2D(
            32, 3, use_bias=False, kernel_initializer=torch_kernel_initializer(), name="conv0"
        ),
        leaky_relu("act0"),
        ResidualBlock(32, name="res1"),
        DownBlock(64, 2, name="down1"),
        DownBlock(128, 2, name="down2"),
        DownBlock(256, 2, name="down3"),
    ]
    upsampling = [
        UpBlock(128, 2, name="up1"),
        UpBlock(64, 2, name="up2"),
        UpBlock(32, 2, name="up3"),
        ResidualBlock(32, name="res1"),
    ]
    encoder = _encoder(input_shape, features, 256, code_length)
    decoder = _decoder(code_length, 256, (4, 4, 256), upsampling, input_shape[-1])
    return encoder, decoder, mfc_estimator(code_length, bins, units)


def input_shape_of(name):
    return _ARCHITECTURES[name][1]
