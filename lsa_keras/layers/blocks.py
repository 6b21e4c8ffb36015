"""Down, up and residual blocks of the LSA autoencoders, in 2D and 3D (paper Fig. 1ii).

Every block computes ``act(bn2(conv2(act(bn1(conv1(x))))) + shortcut(x))``: the activation
comes after the sum. Convolutions carry no bias (batch normalisation follows), activations are
LeakyReLU(0.01) and batch normalisation uses PyTorch's semantics (momentum 0.9, epsilon 1e-5).
"""

import keras

from lsa_keras.initializers import torch_kernel_initializer
from lsa_keras.layers.batch_norm import BatchNorm
from lsa_keras.layers.causal_conv3d import CausalConv3D
from lsa_keras.layers.folding import folded_sequence
from lsa_keras.layers.upsampling_conv import CroppedConv3DTranspose, SlicedCropping2D

NEGATIVE_SLOPE = 0.01
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def leaky_relu(name=None):
    """LeakyReLU with the reference's slope 0.01 (Keras' default is 0.3)."""
    return keras.layers.LeakyReLU(negative_slope=NEGATIVE_SLOPE, name=name)


def batch_norm(name=None):
    """BatchNormalization with PyTorch's defaults (fused in training on TensorFlow)."""
    return BatchNorm(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)


def _tuple(value, rank, what):
    value = (value,) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(value) != rank or min(value) < 1:
        raise ValueError(f"{what} must be a positive int or {rank} positive ints, got {value!r}.")
    return value


def _check_rank(rank):
    if rank not in (2, 3):
        raise ValueError(f"rank must be 2 (images) or 3 (video clips), got {rank!r}.")
    return rank


def _conv(rank, filters, kernel_size, strides=1, padding="same", **kwargs):
    cls = keras.layers.Conv2D if rank == 2 else keras.layers.Conv3D
    return cls(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=False,
        kernel_initializer=torch_kernel_initializer(),
        **kwargs,
    )


def _transposed_conv(rank, filters, kernel_size, strides, **kwargs):
    cls = keras.layers.Conv2DTranspose if rank == 2 else keras.layers.Conv3DTranspose
    return cls(
        filters,
        kernel_size,
        strides=strides,
        padding="valid",
        use_bias=False,
        kernel_initializer=torch_kernel_initializer(),
        **kwargs,
    )


def _upsampling_5x5(rank, filters, strides, name):
    """Transposed 5x5 conv with the reference's padding 2 and output_padding s-1.

    A ``"valid"`` transposed conv gives ``(n-1)*s + 5`` per axis; the reference keeps
    ``[2 : 2 + n*s]`` of it, i.e. crops 2 in front and ``3 - s`` behind (:class:`SlicedCropping2D`).
    In 3D, where that discards most of the work, :class:`CroppedConv3DTranspose` computes the
    kept part only.
    """
    if rank == 3:
        return [CroppedConv3DTranspose(filters, strides, name=f"{name}_conv")]
    return [
        _transposed_conv(rank, filters, 5, strides, name=f"{name}_conv"),
        SlicedCropping2D(tuple((2, 3 - s) for s in strides), name=f"{name}_crop"),
    ]


class _Block(keras.layers.Layer):
    """Shared wiring: a main branch of layers, a shortcut branch, a sum, an activation.

    In inference mode each batch normalisation is folded into the convolution before it
    (:mod:`lsa_keras.layers.folding`): the same function up to float rounding, with fewer
    passes over the activations. ``fold_batch_norm = False`` (on the class or an instance)
    runs the layers one by one instead.
    """

    fold_batch_norm = True

    def __init__(self, filters, rank=2, **kwargs):
        super().__init__(**kwargs)
        if int(filters) <= 0:
            raise ValueError(f"filters must be a positive integer, got {filters!r}.")
        self.filters = int(filters)
        self.rank = _check_rank(rank)
        self.input_spec = keras.layers.InputSpec(ndim=rank + 2)
        self.activation = leaky_relu(name="act")

    def build(self, input_shape):
        for branch in (self.main, self.shortcut):
            shape = input_shape
            for layer in branch:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        self.activation.build(shape)

    def call(self, inputs, training=None):
        if not training and self.fold_batch_norm:
            return self._folded_call(inputs)
        x = inputs
        for layer in self.main:
            x = _apply(layer, x, training)
        s = self._shortcut_input(inputs)
        for layer in self.shortcut:
            s = _apply(layer, s, training)
        return self.activation(x + s)

    def _folded_call(self, inputs):
        def call(layer, x):
            return _apply(layer, x, False)

        x, shift = folded_sequence(self.main, inputs, call)
        s, shortcut_shift = folded_sequence(self.shortcut, self._shortcut_input(inputs), call)
        x = x + s
        # The two branches' batch-norm shifts, added once to their sum.
        shifts = [v for v in (shift, shortcut_shift) if v is not None]
        if shifts:
            x = x + (shifts[0] if len(shifts) == 1 else shifts[0] + shifts[1])
        return self.activation(x)

    def _shortcut_input(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self.main:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, "rank": self.rank})
        return config


def subsample(inputs, strides):
    """``inputs[:, ::s1, ..., ::sn, :]`` for ``(batch, *spatial, channels)`` inputs.

    Where each spatial size is a multiple of its stride, the subsampling is a reshape and a
    slice of unit strides: TensorFlow copies such a slice in contiguous runs, while a strided
    slice goes element by element (2.5-5x slower forward and 1.2-1.3x with gradients at the
    MNIST and CIFAR-10 shortcuts' shapes; 2% of a whole scoring batch,
    ``examples/results/profiling-notes/subsample.py``). Other sizes (the first position of
    each window, ``(n - 1) // s + 1`` of them) take the strided slice.
    """
    strides = tuple(int(s) for s in strides)
    if max(strides) == 1:
        return inputs
    spatial = tuple(inputs.shape[1:-1])
    if any(n is None or n % s for n, s in zip(spatial, strides)) or inputs.shape[-1] is None:
        return inputs[(slice(None), *(slice(None, None, s) for s in strides), slice(None))]
    channels = inputs.shape[-1]
    # Each axis n -> (n // s, s); the last one's s is merged with the channels.
    split = [d for n, s in zip(spatial[:-1], strides[:-1]) for d in (n // s, s)]
    x = keras.ops.reshape(inputs, (-1, *split, spatial[-1] // strides[-1], strides[-1] * channels))
    index = [slice(None)] + [i for _ in strides[:-1] for i in (slice(None), 0)]
    return x[tuple(index + [slice(None), slice(0, channels)])]


def _apply(layer, x, training):
    if isinstance(layer, keras.layers.BatchNormalization):
        return layer(x, training=training)
    return layer(x)


@keras.saving.register_keras_serializable(package="lsa_keras")
class DownBlock(_Block):
    """Downsampling block D: 3x3 conv (stride s), 3x3 conv, shortcut 1x1 conv (stride s) + BN.

    2D: the strided conv pads 1 on each side, as the reference does (Keras' ``"same"`` would
    pad differently for even sizes), so ``n -> (n - 1) // s + 1``. 3D: both 3x3x3 convs are
    causal in time (:class:`CausalConv3D`).

    Input shape: ``(batch, h, w, c)`` or ``(batch, t, h, w, c)``; output channels ``filters``.

    Args:
        filters: output channels.
        strides: int or tuple, the stride of the first conv and the shortcut.
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, strides=2, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.strides = _tuple(strides, self.rank, "strides")
        if self.rank == 2:
            pad = keras.layers.ZeroPadding2D(1, name="pad")
            conv1 = [pad, _conv(2, self.filters, 3, self.strides, "valid", name="conv1")]
            conv2 = _conv(2, self.filters, 3, name="conv2")
        else:
            conv1 = [CausalConv3D(self.filters, strides=self.strides, name="conv1")]
            conv2 = CausalConv3D(self.filters, name="conv2")
        self.main = conv1 + [batch_norm("bn1"), leaky_relu("act1"), conv2, batch_norm("bn2")]
        # The strided 1x1 shortcut conv runs as a subsampling (``_shortcut_input``) and a 1x1
        # conv of stride 1: the same numbers, the same weights, but TensorFlow 2.21's oneDNN
        # kernels for a 1x1 conv of stride 2 corrupt the heap in training (without XLA, 6 of 6
        # runs aborted; examples/results/profiling-notes/nonxla_crash_hunt.py).
        self.shortcut = [
            _conv(self.rank, self.filters, 1, 1, "valid", name="shortcut_conv"),
            batch_norm("shortcut_bn"),
        ]

    def _shortcut_input(self, inputs):
        return subsample(inputs, self.strides)

    def get_config(self):
        config = super().get_config()
        config["strides"] = self.strides
        return config


@keras.saving.register_keras_serializable(package="lsa_keras")
class UpBlock(_Block):
    """Upsampling block U: transposed 5x5 conv (stride s), 3x3 conv, upsampling shortcut + BN.

    Each axis grows from ``n`` to ``n * s``. The shortcut is a transposed 1x1 conv in 2D and a
    transposed 5x5x5 conv in 3D, as in the reference.

    Input shape: ``(batch, h, w, c)`` or ``(batch, t, h, w, c)``; output channels ``filters``.

    Args:
        filters: output channels.
        strides: int or tuple, the upsampling factor of each axis (1 or 2).
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, strides=2, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.strides = _tuple(strides, self.rank, "strides")
        if max(self.strides) > 2:
            raise ValueError(f"UpBlock strides must be 1 or 2, got {self.strides}.")
        self.main = _upsampling_5x5(self.rank, self.filters, self.strides, "conv1") + [
            batch_norm("bn1"),
            leaky_relu("act1"),
            _conv(self.rank, self.filters, 3, name="conv2"),
            batch_norm("bn2"),
        ]
        if self.rank == 2:
            shortcut = [
                _transposed_conv(
                    2,
                    self.filters,
                    1,
                    self.strides,
                    output_padding=tuple(s - 1 for s in self.strides),
                    name="shortcut_conv",
                )
            ]
        else:
            shortcut = _upsampling_5x5(3, self.filters, self.strides, "shortcut_conv")
        self.shortcut = shortcut + [batch_norm("shortcut_bn")]

    def get_config(self):
        config = super().get_config()
        config["strides"] = self.strides
        return config


@keras.saving.register_keras_serializable(package="lsa_keras")
class ResidualBlock(_Block):
    """Residual block R: two 3x3 convs with BN and an identity shortcut (no BN on it).

    Input and output shape: ``(batch, h, w, filters)`` or ``(batch, t, h, w, filters)``.

    Args:
        filters: channels; must equal the input's.
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.main = [
            _conv(self.rank, self.filters, 3, name="conv1"),
            batch_norm("bn1"),
            leaky_relu("act1"),
            _conv(self.rank, self.filters, 3, name="conv2"),
            batch_norm("bn2"),
        ]
        self.shortcut = []

    def build(self, input_shape):
        if input_shape[-1] != self.filters:
            raise ValueError(
                f"ResidualBlock({self.filters}) needs {self.filters} input channels for its "
                f"identity shortcut, got input shape {input_shape}."
            )
        super().build(input_shape)
