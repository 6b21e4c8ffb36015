"""Batch normalisation folded into the convolution before it, for inference.

In inference mode a batch normalisation is a per-channel affine map ``y * scale + shift``
(``scale = gamma / sqrt(moving_variance + epsilon)``, ``shift = beta - moving_mean * scale``).
Applied to a bias-free convolution ``y = conv(x, K)`` it equals ``conv(x, K * scale) + shift``:
scaling the kernel's output channels costs a pass over the kernel instead of two passes over
the activations (``examples/results/profiling-notes/scorer_ops.py``: the blocks' inference
batch normalisations were about a tenth of a scoring batch's op time). The folded kernel is
computed from the live weights at every call, so nothing is cached and nothing goes stale.
"""

import keras
from keras import ops

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


def folded_conv(conv, bn, inputs):
    """``bn(conv(inputs), training=False)`` without its shift: ``(outputs, shift)``.

    The caller adds ``shift`` (``(channels,)``, in ``outputs``' dtype) where it is cheapest,
    for instance once after summing two folded branches.
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
    if hasattr(conv, "convolve"):  # this package's convolutions say how they convolve
        outputs = conv.convolve(inputs, kernel)
    elif isinstance(conv, _TRANSPOSED):
        outputs = ops.conv_transpose(
            inputs, kernel, strides=list(conv.strides), padding=conv.padding,
            output_padding=conv.output_padding, dilation_rate=conv.dilation_rate,
            data_format=conv.data_format,
        )
    else:
        outputs = conv.convolution_op(inputs, kernel)
    return outputs, ops.cast(shift, outputs.dtype)


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
            x, shift = folded_conv(layers[i], layers[j], x)
            for selection in layers[i + 1:j]:
                x = selection(x)
            i = j + 1
        else:
            x = call(layers[i], x)
            i += 1
    return x, shift
