"""Batch normalisation folded into the convolution before it, for inference.

In inference mode a batch normalisation is a per-channel affine map ``y * scale + shift``
(``scale = gamma / sqrt(moving_variance + epsilon)``, ``shift = beta - moving_mean * scale``).
Applied to a bias-free convolution ``y = conv(x, K)`` it equals ``conv(x, K * scale) + shift``:
scaling the kernel's output channels costs a pass over the kernel instead of two passes over
the activations. The folded kernel is
computed from the live weights at every call, so nothing is cached and nothing goes stale.
"""

import contextlib
import contextvars

import keras
import numpy as np
from keras import ops

from lsa_keras.layers.xla_cpu import compiled_by_xla_on_cpu

# Set while a graph is traced for export (portable_ops): operations that every exporter and
# runtime takes, where the fastest form in Keras would not convert.
PORTABLE = contextvars.ContextVar("lsa_keras_portable_ops", default=False)


@contextlib.contextmanager
def portable_ops():
    """Within this block, folded layers trace the strided transposed 1x1 convolution as
    :func:`pointwise_upsampling` (ONNX converters cannot express its output padding)."""
    token = PORTABLE.set(True)
    try:
        yield
    finally:
        PORTABLE.reset(token)

_TRANSPOSED = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose,
               keras.layers.Conv3DTranspose)
_CONVS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D) + _TRANSPOSED
# Layers between a convolution and its batch normalisation that commute with a per-channel
# affine map (they only select positions).
_SELECTIONS = (keras.layers.Cropping1D, keras.layers.Cropping2D, keras.layers.Cropping3D)


def can_fold(conv, bn):
    """Whether ``bn`` can be folded into ``conv``: a bias-free, activation-free convolution
    with channels last, and a batch normalisation over the last axis with no renormalisation."""
    return (
        isinstance(conv, _CONVS)
        and not conv.use_bias
        and conv.activation in (None, keras.activations.linear)
        and conv.data_format == "channels_last"
        and isinstance(bn, keras.layers.BatchNormalization)
        and bn.axis in (-1, len(conv.kernel.shape) - 1)
        and not getattr(bn, "renorm", False)
    )


def batch_norm_affine(bn):
    """``(scale, shift)`` of ``bn`` in inference mode, float32 vectors over channels."""
    variance = ops.cast(bn.moving_variance, "float32")
    scale = ops.rsqrt(variance + bn.epsilon)
    if bn.scale:
        scale = scale * ops.cast(bn.gamma, "float32")
    shift = -ops.cast(bn.moving_mean, "float32") * scale
    if bn.center:
        shift = shift + ops.cast(bn.beta, "float32")
    return scale, shift


def folded_conv(conv, bn, inputs, subpixel=False):
    """``bn(conv(inputs), training=False)`` without its shift: ``(outputs, shift)``.

    The caller adds ``shift`` (``(channels,)``, in ``outputs``' dtype) where it is cheapest,
    for instance once after summing two folded branches. ``subpixel=True`` computes the
    transposed convolution *and the crop after it* with :func:`subpixel_upsampling` (check
    :func:`is_subpixel_upsampling` first).
    """
    scale, shift = batch_norm_affine(bn)
    kernel = ops.cast(conv.kernel, "float32")
    # Output channels: the last kernel axis of a convolution, the one before it of a
    # transposed convolution.
    if isinstance(conv, _TRANSPOSED):
        kernel = kernel * ops.expand_dims(scale, -1)
    else:
        kernel = kernel * scale
    kernel = ops.cast(kernel, inputs.dtype)
    if subpixel:
        outputs = subpixel_upsampling(inputs, kernel)
    elif hasattr(conv, "convolve"):  # this package's convolutions say how they convolve
        outputs = conv.convolve(inputs, kernel)
    elif is_pointwise_upsampling(conv) and (PORTABLE.get() or compiled_by_xla_on_cpu()):
        outputs = pointwise_upsampling(inputs, kernel, tuple(conv.strides))
    elif isinstance(conv, _TRANSPOSED):
        outputs = ops.conv_transpose(
            inputs, kernel, strides=list(conv.strides), padding=conv.padding,
            output_padding=conv.output_padding, dilation_rate=conv.dilation_rate,
            data_format=conv.data_format,
        )
    else:
        outputs = conv.convolution_op(inputs, kernel)
    return outputs, ops.cast(shift, outputs.dtype)


# The decoders' upsampling convolution (a "valid" 5x5 transposed conv of stride 2, then a crop of
# 2 in front and 1 behind, i.e. PyTorch's padding 2 and output_padding 1) as a sub-pixel
# convolution. Output row 2m is x[m-1] K[4] + x[m] K[2] + x[m+1] K[0] and row 2m+1 is
# x[m] K[3] + x[m+1] K[1]: each output phase is a 3-tap correlation of the input, so one 3x3
# "same" convolution with 4x the output channels, interleaved, computes all four. For each
# phase (even, odd) and tap (offset -1, 0, +1), the transposed kernel's index (None: zero).
_PHASE_TAPS = ((4, 2, 0), (None, 3, 1))


def _subpixel_index():
    index = np.full((3, 3, 2, 2), 25, "int32")  # 25: a zero tap appended to the 5x5 kernel
    for a, row_taps in enumerate(_PHASE_TAPS):
        for b, col_taps in enumerate(_PHASE_TAPS):
            for th, i in enumerate(row_taps):
                for tw, j in enumerate(col_taps):
                    if i is not None and j is not None:
                        index[th, tw, a, b] = i * 5 + j
    return index


_SUBPIXEL_INDEX = _subpixel_index()


def is_subpixel_upsampling(conv, selections):
    """Whether ``conv`` then ``selections`` is the 2D upsampling that :func:`subpixel_upsampling`
    computes: a bias-free "valid" 5x5 transposed conv of stride 2, cropped by (2, 1) per axis."""
    if not (isinstance(conv, keras.layers.Conv2DTranspose) and len(selections) == 1
            and isinstance(selections[0], keras.layers.Cropping2D)):
        return False
    crop = tuple(tuple(int(v) for v in pair) for pair in selections[0].cropping)
    return (tuple(conv.kernel_size) == (5, 5) and tuple(conv.strides) == (2, 2)
            and conv.padding == "valid" and conv.output_padding is None
            and tuple(conv.dilation_rate) == (1, 1) and crop == ((2, 1), (2, 1))
            and selections[0].data_format == "channels_last")


def is_pointwise_upsampling(conv):
    """Whether ``conv`` is a 1x1 transposed conv with strides ``s`` and output padding ``s - 1``
    (the up blocks' shortcut): every input pixel lands at ``s * i``, the rest is zero."""
    if not isinstance(conv, _TRANSPOSED):
        return False
    rank = len(conv.kernel_size)
    return (tuple(conv.kernel_size) == (1,) * rank
            and conv.padding == "valid" and conv.output_padding is not None
            and tuple(conv.output_padding) == tuple(s - 1 for s in conv.strides)
            and tuple(conv.dilation_rate) == (1,) * rank and conv.data_format == "channels_last")


def pointwise_upsampling(inputs, kernel, strides):
    """The transposed conv of :func:`is_pointwise_upsampling` as a matrix product and a zero
    interleave: ``(b, *spatial, ci) -> (b, *(n * s), co)`` for a kernel ``(1, ..., co, ci)``.

    The same numbers as the transposed convolution, without the operation: ONNX converters
    turn its output padding into negative pads, which runtimes refuse. Used for export
    (:func:`portable_ops`) and under XLA on a CPU, which compiles the transposed convolution
    into a slow loop; elsewhere the transposed convolution is as fast.
    """
    rank = len(strides)
    matrix = ops.reshape(kernel, kernel.shape[-2:])  # (co, ci)
    y = ops.matmul(inputs, ops.transpose(matrix))  # (b, *spatial, co)
    spatial = [ops.shape(y)[1 + i] for i in range(rank)]
    # (b, n1, 1, n2, 1, ..., co), padded to (b, n1, s1, n2, s2, ..., co), then merged.
    expanded = ops.reshape(y, [-1] + [d for n in spatial for d in (n, 1)] + [y.shape[-1]])
    padded = ops.pad(expanded, [[0, 0]] + [p for s in strides for p in ([0, 0], [0, s - 1])]
                     + [[0, 0]])
    return ops.reshape(padded, [-1] + [n * s for n, s in zip(spatial, strides)] + [y.shape[-1]])


def subpixel_upsampling(inputs, kernel):
    """The upsampling of :func:`is_subpixel_upsampling` as one 3x3 convolution and an
    interleave: ``(b, h, w, ci) -> (b, 2h, 2w, co)`` for a transposed kernel ``(5, 5, co, ci)``.

    The same function up to rounding, and faster than the transposed convolution and its crop in
    inference, and in training under XLA on a CPU. Without XLA, with gradients, it is slower on
    deeper shapes, so training keeps the transposed convolution there.
    """
    co, ci = kernel.shape[2], kernel.shape[3]
    flat = ops.concatenate([ops.reshape(kernel, (25, co, ci)), ops.zeros((1, co, ci), kernel.dtype)], 0)
    taps = ops.take(flat, _SUBPIXEL_INDEX, axis=0)  # (3, 3, 2, 2, co, ci)
    subpixel = ops.reshape(ops.transpose(taps, (0, 1, 5, 2, 3, 4)), (3, 3, ci, 4 * co))
    y = ops.conv(inputs, subpixel, strides=1, padding="same")
    b, h, w = ops.shape(y)[0], ops.shape(y)[1], ops.shape(y)[2]
    y = ops.reshape(y, (b, h, w, 2, 2, co))
    return ops.reshape(ops.transpose(y, (0, 1, 3, 2, 4, 5)), (b, 2 * h, 2 * w, co))


def folded_sequence(layers, inputs, call):
    """Run ``layers`` in inference mode, folding every ``conv -> [crops] -> batch norm`` run.

    ``call(layer, x)`` runs any other layer. Returns ``(outputs, shift)``: the shift of a
    batch normalisation that ended the sequence is not added yet (``None`` if there is none),
    so two branches that are summed add their shifts once.
    """
    x, shift, i = inputs, None, 0
    while i < len(layers):
        if shift is not None:
            x, shift = x + shift, None
        j = i + 1
        while j < len(layers) and isinstance(layers[j], _SELECTIONS):
            j += 1
        if j < len(layers) and can_fold(layers[i], layers[j]):
            selections = layers[i + 1:j]
            subpixel = is_subpixel_upsampling(layers[i], selections)
            x, shift = folded_conv(layers[i], layers[j], x, subpixel=subpixel)
            for selection in [] if subpixel else selections:
                x = selection(x)
            i = j + 1
        else:
            x = call(layers[i], x)
            i += 1
    return x, shift
