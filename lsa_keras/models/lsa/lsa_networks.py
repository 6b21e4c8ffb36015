"""The networks of each LSA setting (supplement Table 1, as the reference code builds them).

Each builder returns ``(encoder, decoder, estimator)`` as Keras models. Register a new
setting with :func:`register_architecture`. Image settings (``mnist``, ``cifar10``) have a code
``(batch, d)`` and an MFC estimator; video settings (``ucsd_ped2``, ``shanghaitech``,
``dreyeve``) take clips ``(batch, t, h, w, c)``, have a code ``(batch, t', d)`` and an MSC
estimator.
"""

import keras

from lsa_keras.layers import (
    DownBlock,
    MaskedDense,
    MaskedStackedConv,
    ResidualBlock,
    TemporalDense,
    TorchDense,
    UpBlock,
)
from lsa_keras.layers.conv_block import batch_norm, leaky_relu
from lsa_keras.initializers import torch_bias_initializer, torch_kernel_initializer

_ARCHITECTURES = {}

# The code and the reconstruction are computed in float32 whatever the dtype policy: under
# "mixed_bfloat16" a bfloat16 code (8-bit mantissa) would move latent variables across the
# estimator's bin edges, and the reconstruction feeds a sum of squared errors. Both layers are
# a tiny share of the work (Keras' mixed-precision guide keeps output layers in float32 too).
OUTPUT_DTYPE = "float32"


def register_architecture(name, input_shape):
    """Decorator: register ``builder(code_length, bins, estimator_units) -> (enc, dec, est)``."""

    def decorator(builder):
        _ARCHITECTURES[name] = (builder, tuple(input_shape))
        return builder

    return decorator


def available_architectures():
    return sorted(_ARCHITECTURES)


def build_networks(name, code_length=64, bins=100, estimator_units=None, dtype=None,
                   input_shape=None):
    """Build the encoder, decoder and estimator of a registered architecture.

    Args:
        name: ``"mnist"``, ``"cifar10"``, ``"ucsd_ped2"``, ``"shanghaitech"`` or
            ``"dreyeve"`` (see :func:`available_architectures`).
        code_length: d, the number of latent variables.
        bins: B, the number of bins of each conditional distribution.
        estimator_units: channels of the hidden estimator layers (the last layer has ``bins``);
            default: the paper's, ``(32, 32, 32, 32)`` for images, ``(4, 4, 4, 4)`` for
            UCSD Ped2 and DR(eye)VE and ``(4, 4)`` for ShanghaiTech.
        dtype: Keras dtype policy of the layers (for example ``"mixed_bfloat16"``); default
            the global one (``keras.config.dtype_policy()``). The code and the reconstruction
            stay float32 under any policy.
        input_shape: the shape to build for, default the architecture's (the paper's). The
            whole-frame video settings (``shanghaitech``, ``dreyeve``) derive their feature
            grid from it and build for any clip their blocks divide, for example smaller
            frames; the others build for their own shape only.

    Raises:
        ValueError: an unknown name, a size out of range, or an ``input_shape`` the
            architecture does not build for (its decoder would not return that shape).

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
    builder, default_shape = _ARCHITECTURES[name]
    input_shape = default_shape if input_shape is None else tuple(int(n) for n in input_shape)
    if estimator_units is None:
        estimator_units = DEFAULT_ESTIMATOR_UNITS.get(name, (32, 32, 32, 32))
    units = tuple(int(u) for u in estimator_units)
    if dtype is None:
        networks = builder(input_shape, int(code_length), int(bins), units)
    else:
        # Keras layers read the global policy when built; set it for this build only.
        policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy(dtype)
        try:
            networks = builder(input_shape, int(code_length), int(bins), units)
        finally:
            keras.config.set_dtype_policy(policy)
    if tuple(networks[1].output_shape[1:]) != input_shape:
        raise ValueError(f"Architecture {name!r} does not build for input shape {input_shape}: "
                         f"its decoder returns {tuple(networks[1].output_shape[1:])}.")
    return networks


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
            TorchDense(code_length, activation="sigmoid", name="code", dtype=OUTPUT_DTYPE),
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
                name="output", dtype=OUTPUT_DTYPE,
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


def msc_estimator(steps, code_length, bins, units, name="estimator"):
    """MSC estimator: MSC-A, then MSC-B layers, LeakyReLU between them, logits at the end.

    Input ``(batch, t, d, 1)``, output ``(batch, t, d, bins)``.
    """
    layers = [keras.Input((steps, code_length, 1))]
    for k, u in enumerate(units):
        layers += [MaskedStackedConv(u, "A" if k == 0 else "B", name=f"msc{k}"),
                   leaky_relu(f"act{k}")]
    layers.append(MaskedStackedConv(bins, "A" if not units else "B", name=f"msc{len(units)}"))
    return keras.Sequential(layers, name=name)


def _video(input_shape, down, grid, hidden, up, code_length, bins, units, output_bias):
    """Causal 3D down blocks -> per-step flatten -> TFC layers to a sigmoid code (t', d);
    TFC layers -> per-step feature grid -> 3D up blocks -> 1x1x1 conv; MSC estimator."""
    steps = grid[0]
    encoder_layers = [keras.Input(input_shape)]
    encoder_layers += [DownBlock(f, s, rank=3, name=f"down{k + 1}") for k, (f, s) in enumerate(down)]
    encoder_layers.append(keras.layers.Reshape((steps, -1), name="flatten"))
    encoder_layers += [TemporalDense(u, activation="tanh", name=f"tfc{k + 1}")
                       for k, u in enumerate(hidden)]
    encoder_layers.append(
        TemporalDense(code_length, activation="sigmoid", name="code", dtype=OUTPUT_DTYPE))
    decoder_layers = [keras.Input((steps, code_length))]
    decoder_layers += [TemporalDense(u, activation="tanh", name=f"tfc{k + 1}")
                       for k, u in enumerate(hidden)]
    decoder_layers += [TemporalDense(grid[1] * grid[2] * grid[3], name="tfc_grid"),
                       leaky_relu("tfc_grid_act"), keras.layers.Reshape(grid, name="reshape")]
    decoder_layers += [UpBlock(f, s, rank=3, name=f"up{k + 1}") for k, (f, s) in enumerate(up)]
    decoder_layers.append(keras.layers.Conv3D(
        input_shape[-1], 1, use_bias=output_bias, kernel_initializer=torch_kernel_initializer(),
        bias_initializer=torch_bias_initializer(grid[-1] if not up else up[-1][0]),
        name="output", dtype=OUTPUT_DTYPE))
    encoder = keras.Sequential(encoder_layers, name="encoder")
    decoder = keras.Sequential(decoder_layers, name="decoder")
    return encoder, decoder, msc_estimator(steps, code_length, bins, units)


@register_architecture("ucsd_ped2", (8, 32, 32, 1))
def _ucsd_ped2(input_shape, code_length, bins, units):
    # 8x32x32 patches -> code (2, d); the spec's estimator is MSC[4, 4, 4, 4, 100].
    down = [(8, (1, 2, 2)), (12, (2, 1, 1)), (18, (1, 2, 2)), (27, (2, 1, 1)), (40, (1, 2, 2))]
    up = [(40, (1, 2, 2)), (27, (1, 2, 2)), (18, (2, 1, 1)), (12, (1, 2, 2)), (8, (2, 1, 1))]
    return _video(input_shape, down, (2, 4, 4, 40), (), up, code_length, bins, units, False)


@register_architecture("shanghaitech", (16, 256, 512, 3))
def _shanghaitech(input_shape, code_length, bins, units):
    # 16x256x512 RGB clips -> code (4, d); the spec's estimator is MSC[4, 4, 100]. The blocks
    # divide time by 4 and height and width by 32, so the same networks also build for other
    # frame sizes that are multiples of 32 (the tests train them on small frames).
    t, h, w, _ = input_shape
    if t % 4 or h % 32 or w % 32:
        raise ValueError(f"ShanghaiTech clips need a length divisible by 4 and frames whose "
                         f"height and width are multiples of 32, got {tuple(input_shape)}.")
    down = [(8, (1, 2, 2)), (16, (1, 2, 2)), (32, (2, 2, 2)), (64, (1, 2, 2)), (64, (2, 2, 2))]
    up = [(64, (2, 2, 2)), (32, (1, 2, 2)), (16, (2, 2, 2)), (8, (1, 2, 2)), (8, (1, 2, 2))]
    grid = (t // 4, h // 32, w // 32, 64)
    return _video(input_shape, down, grid, (512,), up, code_length, bins, units, True)


@register_architecture("dreyeve", (16, 160, 256, 1))
def _dreyeve(input_shape, code_length, bins, units):
    """DR(eye)VE: grayscale clips 16x160x256 -> code (4, d); estimator MSC[4, 4, 4, 4, 100].

    Supplement Table 1 lists five encoder blocks, which divide time by 4 and height and width
    by 32 (160x256 -> 5x8), but six decoder blocks, U(64, 2,2,2), U(32, 1,2,2), U(16, 2,2,2),
    U(16, 1,2,2), U(8, 1,2,2), U(8, 1,2,2), which multiply height and width by 64: they would
    return 320x512 frames. The ShanghaiTech column disagrees with itself as well (six encoder
    blocks divide time by 8, six decoder blocks multiply it by 2), and the authors' code, whose
    parameter count this package's ``shanghaitech`` network matches, resolves it by building
    five blocks each way, the decoder's strides the encoder's in reverse order: U(64, 2,2,2),
    U(32, 1,2,2), U(16, 2,2,2), U(8, 1,2,2), U(8, 1,2,2). The DR(eye)VE encoder is the
    ShanghaiTech encoder, so its decoder here is that same mirror: the table's list without
    its fourth entry, the second U(16, 1,2,2). That is the only single deletion that keeps
    both temporal upsamplings and gives the mirrored strides, and it keeps the table's
    channels in order. Like ShanghaiTech's (and unlike UCSD Ped2's), the final 1x1x1
    convolution to one channel has a bias; the table's entry for it is garbled in our copy and
    read as the other video settings' 1x1x1 convolution.

    The blocks divide time by 4 and height and width by 32, so the same networks build for
    other frame sizes that are multiples of 32 (the tests train them on small frames); the
    per-step feature grid is ``(h / 32, w / 32, 64)``.
    """
    t, h, w, _ = input_shape
    if t % 4 or h % 32 or w % 32:
        raise ValueError(f"DR(eye)VE clips need a length divisible by 4 and frames whose "
                         f"height and width are multiples of 32, got {tuple(input_shape)}.")
    down = [(8, (1, 2, 2)), (16, (1, 2, 2)), (32, (2, 2, 2)), (64, (1, 2, 2)), (64, (2, 2, 2))]
    up = [(64, (2, 2, 2)), (32, (1, 2, 2)), (16, (2, 2, 2)), (8, (1, 2, 2)), (8, (1, 2, 2))]
    grid = (t // 4, h // 32, w // 32, 64)
    return _video(input_shape, down, grid, (512,), up, code_length, bins, units, True)


DEFAULT_ESTIMATOR_UNITS = {"ucsd_ped2": (4, 4, 4, 4), "shanghaitech": (4, 4),
                           "dreyeve": (4, 4, 4, 4)}

# Supplement Table 1: UCSD Ped2 trains with lambda 0.1 and noisy inputs; the rest lambda 1
# (DR(eye)VE with batch 16 and lr 1e-3: the "dreyeve" recipe of zoo/presets.json).
_TRAINING_DEFAULTS = {"ucsd_ped2": {"lam": 0.1, "input_noise": 0.025}}


def training_defaults(name):
    """``{"lam", "input_noise"}`` of the paper's setting ``name``."""
    if name not in _ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; available: {sorted(_ARCHITECTURES)}.")
    return {"lam": 1.0, "input_noise": 0.0, **_TRAINING_DEFAULTS.get(name, {})}


def input_shape_of(name: str) -> tuple:
    """The input shape of architecture ``name``: ``(h, w, c)`` for images, ``(t, h, w, c)``
    for video clips.

    Raises:
        ValueError: if ``name`` is not a registered architecture.
    """
    if name not in _ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; available: {sorted(_ARCHITECTURES)}.")
    return tuple(_ARCHITECTURES[name][1])


# The architectures of still images, the ones a folder or a dataset of images is read for.
IMAGE_ARCHITECTURES = ("mnist", "cifar10")


def image_architecture_of(shape) -> str | None:
    """The image architecture whose input is ``shape`` ``(h, w, c)``, or None."""
    return next((a for a in IMAGE_ARCHITECTURES if tuple(shape) == input_shape_of(a)), None)
