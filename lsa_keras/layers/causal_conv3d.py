"""The causal 3D convolution of the video encoders."""

import numpy as np
import keras
from keras import ops

from lsa_keras.initializers import torch_kernel_initializer


@keras.saving.register_keras_serializable(package="lsa_keras")
class CausalConv3D(keras.layers.Conv3D):
    """3x3x3 convolution that never looks into the future.

    As in the reference, the input is zero-padded by 1 on every side of time, height and width,
    and the kernel's last temporal slice (the "next step") is multiplied by zero at every call,
    so output step ``t`` sees input steps ``t*s - 1`` and ``t*s`` only (``s`` = time stride).
    The zeroed slice stays stored, as in the reference, so parameter counts match it.

    Input shape: ``(batch, t, h, w, channels)``. Output shape:
    ``(batch, t', h', w', filters)`` with ``n' = (n + 2 - 3) // s + 1`` on each axis.

    Args:
        filters: output channels.
        strides: int or 3-tuple ``(time, height, width)``.
        use_bias: the blocks use none (batch normalisation follows).
        **kwargs: passed to ``keras.layers.Conv3D`` (not ``kernel_size`` or ``padding``).
    """

    def __init__(self, filters, strides=1, use_bias=False, **kwargs):
        for fixed in ("kernel_size", "padding"):
            kwargs.pop(fixed, None)
        kwargs.setdefault("kernel_initializer", torch_kernel_initializer())
        super().__init__(
            filters, kernel_size=3, strides=strides, padding="valid", use_bias=use_bias, **kwargs
        )

    def build(self, input_shape):
        padded = list(input_shape)
        for axis in (1, 2, 3):
            if padded[axis] is not None:
                padded[axis] += 2
        super().build(tuple(padded))
        mask = np.ones((3, 1, 1, 1, 1), dtype="float32")
        mask[2] = 0.0
        self._time_mask = mask

    def convolution_op(self, inputs, kernel):
        kernel = kernel * ops.cast(self._time_mask, kernel.dtype)
        return super().convolution_op(inputs, kernel)

    def call(self, inputs):
        return super().call(self._pad(inputs))

    def convolve(self, inputs, kernel):
        """This layer's convolution with another kernel (no bias); see
        :mod:`lsa_keras.layers.folding`."""
        return self.convolution_op(self._pad(inputs), kernel)

    @staticmethod
    def _pad(inputs):
        return ops.pad(inputs, ((0, 0), (1, 1), (1, 1), (1, 1), (0, 0)))

    def compute_output_shape(self, input_shape):
        padded = [None if n is None else n + 2 for n in input_shape[1:4]]
        return super().compute_output_shape((input_shape[0], *padded, input_shape[4]))

    def get_config(self):
        config = super().get_config()
        for fixed in ("kernel_size", "padding"):
            config.pop(fixed, None)
        return config
