"""The shared wiring of the down, up and residual blocks, in 2D and 3D (paper Fig. 1ii).

Every block computes ``act(bn2(conv2(act(bn1(conv1(x))))) + shortcut(x))``: the activation
comes after the sum. Convolutions carry no bias (batch normalisation follows), activations are
LeakyReLU(0.01) and batch normalisation uses PyTorch's semantics (momentum 0.9, epsilon 1e-5).
"""

import keras
from keras import ops

from lsa_keras.initializers import torch_kernel_initializer
from lsa_keras.layers.batch_norm import BatchNorm
from lsa_keras.layers.causal_conv3d import CausalConv3D
from lsa_keras.layers.folding import (
    folded_sequence,
    is_pointwise_upsampling,
    is_subpixel_upsampling,
    pointwise_upsampling,
    subpixel_upsampling,
)
from lsa_keras.layers.cropped_conv3d_transpose import CroppedConv3DTranspose
from lsa_keras.layers.sliced_cropping2d import SlicedCropping2D
from lsa_keras.layers.xla_cpu import compiled_by_xla_on_cpu

NEGATIVE_SLOPE = 0.01
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def leaky_relu(name=None):
    """LeakyReLU with the reference's slope 0.01 (Keras' default is 0.3)."""
    return keras.layers.LeakyReLU(negative_slope=NEGATIVE_SLOPE, name=name)


def batch_norm(name=None):
    """BatchNormalization with PyTorch's defaults (fused in training on TensorFlow)."""
    return BatchNorm(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)


def as_tuple(value, rank, what):
    value = (value,) * rank if isinstance(value, int) else tuple(int(v) for v in value)
    if len(value) != rank or min(value) < 1:
        raise ValueError(f"{what} must be a positive int or {rank} positive ints, got {value!r}.")
    return value


def check_rank(rank):
    if rank not in (2, 3):
        raise ValueError(f"rank must be 2 (images) or 3 (video clips), got {rank!r}.")
    return rank


def conv(rank, filters, kernel_size, strides=1, padding="same", **kwargs):
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


def transposed_conv(rank, filters, kernel_size, strides, **kwargs):
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


def upsampling_5x5(rank, filters, strides, name):
    """Transposed 5x5 conv with the reference's padding 2 and output_padding s-1.

    A ``"valid"`` transposed conv gives ``(n-1)*s + 5`` per axis; the reference keeps
    ``[2 : 2 + n*s]`` of it, i.e. crops 2 in front and ``3 - s`` behind (:class:`SlicedCropping2D`).
    In 3D, where that discards most of the work, :class:`CroppedConv3DTranspose` computes the
    kept part only.
    """
    if rank == 3:
        return [CroppedConv3DTranspose(filters, strides, name=f"{name}_conv")]
    return [
        transposed_conv(rank, filters, 5, strides, name=f"{name}_conv"),
        SlicedCropping2D(tuple((2, 3 - s) for s in strides), name=f"{name}_crop"),
    ]


class ConvBlock(keras.layers.Layer):
    """Shared wiring: a main branch of layers, a shortcut branch, a sum, an activation.

    In inference mode each batch normalisation is folded into the convolution before it
    (:mod:`lsa_keras.layers.folding`): the same function up to float rounding, with fewer
    passes over the activations. ``fold_batch_norm = False`` (on the class or an instance)
    runs the layers one by one instead. Under XLA on a CPU, a branch that starts with a strided
    transposed convolution runs it in an equivalent form XLA compiles well
    (:func:`xla_cpu_upsampling`).
    """

    fold_batch_norm = True

    def __init__(self, filters, rank=2, **kwargs):
        super().__init__(**kwargs)
        if int(filters) <= 0:
            raise ValueError(f"filters must be a positive integer, got {filters!r}.")
        self.filters = int(filters)
        self.rank = check_rank(rank)
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
        x = run_branch(self.main, inputs, training)
        s = run_branch(self.shortcut, self._shortcut_input(inputs), training)
        return self.activation(x + s)

    def _folded_call(self, inputs):
        def call(layer, x):
            return apply_layer(layer, x, False)

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
    slice of unit strides, which TensorFlow copies in contiguous runs (a strided slice goes
    element by element). Other sizes (the first position of each window, ``(n - 1) // s + 1``
    of them) take the strided slice.
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


def run_branch(layers, x, training):
    """Apply ``layers`` in turn; under XLA on a CPU, a strided transposed convolution that
    starts the branch runs in the equivalent form XLA compiles well."""
    if compiled_by_xla_on_cpu():
        x, layers = xla_cpu_upsampling(layers, x)
    for layer in layers:
        x = apply_layer(layer, x, training)
    return x


def xla_cpu_upsampling(layers, x):
    """``(outputs, remaining layers)`` after the upsampling that starts ``layers``, if any.

    XLA's CPU backend compiles a strided transposed convolution (an input-dilated convolution
    to it) into a slow generic loop. The up blocks' 5x5 upsampling and its crop run as a
    sub-pixel convolution instead, and their strided 1x1 shortcut as a matrix product and a
    zero interleave: the same functions of the same weights, up to rounding, 1.2-38x faster
    with their gradients.
    """
    first = layers[0] if layers else None
    subpixel = first is not None and is_subpixel_upsampling(first, layers[1:2])
    if not (subpixel or (first is not None and is_pointwise_upsampling(first))):
        return x, layers
    x, kernel = ops.cast(x, first.compute_dtype), ops.cast(first.kernel, first.compute_dtype)
    if subpixel:
        return subpixel_upsampling(x, kernel), layers[2:]
    return pointwise_upsampling(x, kernel, tuple(first.strides)), layers[1:]


def apply_layer(layer, x, training):
    if isinstance(layer, keras.layers.BatchNormalization):
        return layer(x, training=training)
    return layer(x)
