"""MSC: the masked stacked convolution, autoregressive over code positions and causal in time."""

import keras
from keras import ops

from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer


@keras.saving.register_keras_serializable(package="lsa_keras")
class MaskedStackedConv(AutoregressiveLayer):
    """Masked stacked convolution (MSC) over ``t`` time steps of a code of length ``d``.

    The reference builds ``d`` convolutions, one per code position ``i``, each with a
    ``3 (time) x d (code)`` kernel and a time padding of 1. Its kernel rows are: previous step,
    all ``d`` positions; current step, positions ``< i`` (type A) or ``<= i`` (type B); next
    step, zero. Output ``[t, i]`` therefore depends on all of step ``t-1`` (and, through
    stacked layers, on earlier steps) and on step ``t`` up to ``i``, never on step ``t+1``.

    The layer computes the same thing as two matmuls, ``x[t-1] @ W_prev + x[t] @ W_cur + b``
    with ``x[-1] = 0``, and stores only the free weights: ``count_params()`` is
    ``(3d*d + d)/2 * ci * filters + d * filters`` for type B and
    ``(3d*d - d)/2 * ci * filters + d * filters`` for type A (supplement Sec. 7).

    Input shape: ``(batch, t, d, ci)``. Output shape: ``(batch, t, d, filters)``.

    Args:
        filters: output channels per code position.
        mask_type: ``"A"`` or ``"B"``, the visibility of the current step.
        use_bias: whether to add a bias of shape ``(d, filters)``.
        kernel_initializer: initialiser of both kernels; by default uniform in
            ``+-1/sqrt(3*d*ci)``, PyTorch's default for the reference's convolutions.
        bias_initializer: likewise for the bias.
    """

    channels_name = "filters"
    fan_in_factor = 3

    def __init__(self, filters, mask_type="B", use_bias=True, kernel_initializer=None,
                 bias_initializer=None, **kwargs):
        super().__init__(filters, mask_type, use_bias, kernel_initializer, bias_initializer,
                         ndim=4, **kwargs)

    @property
    def filters(self):
        return self.channels

    def build(self, input_shape):
        init = self._build_common(input_shape)
        d, ci = self.code_length, self.input_channels
        self.previous_kernel = self.add_weight(
            name="previous_kernel", shape=(d * ci, d * self.filters), initializer=init
        )
        self.current_kernel = self._add_masked_kernel("current_kernel", init)
        self._build_bias()

    def call(self, inputs):
        d, ci = self.code_length, self.input_channels
        steps = ops.shape(inputs)[1]
        x = ops.reshape(inputs, (-1, steps, d * ci))
        previous = ops.pad(x, ((0, 0), (1, 0), (0, 0)))[:, :-1]
        y = ops.matmul(previous, ops.cast(self.previous_kernel, x.dtype))
        y = y + self._masked_matmul(x, self.current_kernel)
        return self._add_bias(ops.reshape(y, (-1, steps, d, self.filters)))
