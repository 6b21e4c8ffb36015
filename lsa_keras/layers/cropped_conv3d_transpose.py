"""Transposed 3D convolution of the video up blocks that computes only the outputs the
reference keeps."""

import functools

import keras
from keras import ops

from lsa_keras.initializers import torch_kernel_initializer


@keras.saving.register_keras_serializable(package="lsa_keras")
class CroppedConv3DTranspose(keras.layers.Conv3DTranspose):
    """Transposed 5x5x5 convolution with PyTorch's ``padding=2, output_padding=s-1``.

    Each axis grows from ``n`` to ``n * s`` (``s`` = 1 or 2). The same function is a
    ``"valid"`` transposed convolution, ``(n - 1) * s + 5`` long, cropped by 2 in front and
    ``3 - s`` behind; that computes up to 5.7x more outputs than it keeps in the UCSD Ped2
    decoder (its 2-step time axis grows to 6). Here a ``"same"`` transposed convolution yields
    exactly the kept outputs: on a stride-1 axis its front padding is already 2, and on a
    stride-2 axis the kernel gets one zero tap at the end (6 taps put the front padding at 2).
    The stored kernel is the 5x5x5 one, as in the reference.

    Input ``(batch, t, h, w, c)``; output ``(batch, t*s_t, h*s_h, w*s_w, filters)``.

    Args:
        filters: output channels.
        strides: int or 3-tuple of 1 and 2.
        **kwargs: passed to ``keras.layers.Conv3DTranspose`` (not ``kernel_size`` or
            ``padding``, which are fixed).
    """

    def __init__(self, filters, strides=1, use_bias=False, **kwargs):
        for fixed in ("kernel_size", "padding", "output_padding"):
            kwargs.pop(fixed, None)
        kwargs.setdefault("kernel_initializer", torch_kernel_initializer())
        super().__init__(filters, kernel_size=5, strides=strides, padding="valid",
                         use_bias=use_bias, **kwargs)
        if any(s not in (1, 2) for s in self.strides):
            raise ValueError(f"strides must be 1 or 2 on each axis, got {self.strides}.")
        if self.data_format != "channels_last":
            raise ValueError("CroppedConv3DTranspose supports channels_last only.")

    def call(self, inputs):
        outputs = self.convolve(inputs, self.kernel)
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        return outputs

    def convolve(self, inputs, kernel):
        """The cropped transposed convolution with ``kernel`` (this layer's kernel's shape), no
        bias; see :mod:`lsa_keras.layers.folding`."""
        if slow_native_transpose():
            return zero_interleaved_convolution(inputs, kernel, self.strides)
        pads = [(0, 1) if s == 2 else (0, 0) for s in self.strides] + [(0, 0), (0, 0)]
        kernel = ops.pad(kernel, pads) if any(s == 2 for s in self.strides) else kernel
        return ops.conv_transpose(inputs, kernel, strides=self.strides, padding="same",
                                  data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        spatial = [None if n is None else n * s for n, s in zip(input_shape[1:4], self.strides)]
        return (input_shape[0], *spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        for fixed in ("kernel_size", "padding", "output_padding"):
            config.pop(fixed, None)
        return config


@functools.lru_cache(maxsize=None)
def slow_native_transpose() -> bool:
    """Whether the backend's own 3D transposed convolution is the slow path: TensorFlow on a
    CPU, whose kernel for it (and for its gradient) ran 7-12x slower than the regular
    convolution of :func:`zero_interleaved_convolution`, forward and backward, on the video
    decoders' shapes."""
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return not tf.config.list_logical_devices("GPU")


def zero_interleaved_convolution(inputs, kernel, strides):
    """:class:`CroppedConv3DTranspose`'s output as a regular convolution.

    A transposed convolution of stride ``s`` is a convolution, with the kernel flipped and its
    channel axes swapped, of the input with ``s - 1`` zeros after each element of the strided
    axes; the reference's padding 2 and output padding ``s - 1`` make that zero padding 2 on
    both sides of every axis. The same numbers to float rounding.

    Args:
        inputs: ``(batch, t, h, w, c_in)``.
        kernel: ``(5, 5, 5, filters, c_in)``, a transposed convolution's layout.
        strides: 3 ints, each 1 or 2.
    """
    x = inputs
    for axis, s in zip((1, 2, 3), strides):
        if s == 1:
            continue
        shape = list(x.shape)
        x = ops.expand_dims(x, axis + 1)
        x = ops.pad(x, [[0, 0]] * (axis + 1) + [[0, s - 1]] + [[0, 0]] * (4 - axis))
        x = ops.reshape(x, [-1, *shape[1:axis], shape[axis] * s, *shape[axis + 1:]])
    x = ops.pad(x, [[0, 0], [2, 2], [2, 2], [2, 2], [0, 0]])
    flipped = ops.transpose(ops.flip(kernel, axis=(0, 1, 2)), (0, 1, 2, 4, 3))
    return ops.conv(x, flipped, strides=1, padding="valid")
