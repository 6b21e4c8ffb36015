"""MSC: the masked stacked convolution, autoregressive over code positions and causal in time."""

import keras
from keras import ops

from lsa_keras.initializers import FanInUniform, serialize_optional
from lsa_keras.layers import masks


@keras.saving.register_keras_serializable(package="lsa_keras")
class MaskedStackedConv(keras.layers.Layer):
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

    def __init__(
        self,
        filters,
        mask_type="B",
        use_bias=True,
        kernel_initializer=None,
        bias_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(filters) <= 0:
            raise ValueError(f"filters must be a positive integer, got {filters!r}.")
        self.filters = int(filters)
        self.mask_type = masks.check_mask_type(mask_type)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        d, ci = input_shape[-2], input_shape[-1]
        if d is None or ci is None:
            raise ValueError(
                f"MaskedStackedConv needs a known code length and channel count, got input "
                f"shape {input_shape}; expected (batch, t, d, ci)."
            )
        self.code_length, self.input_channels = int(d), int(ci)
        default_init = FanInUniform(3 * d * ci)
        kernel_init = self.kernel_initializer or default_init
        self.previous_kernel = self.add_weight(
            name="previous_kernel", shape=(d * ci, d * self.filters), initializer=kernel_init
        )
        self.current_kernel = self.add_weight(
            name="current_kernel",
            shape=(masks.num_free_pairs(d, self.mask_type), ci, self.filters),
            initializer=kernel_init,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(d, self.filters),
                initializer=self.bias_initializer or default_init,
            )
        self._pairs = masks.free_pairs(d, self.mask_type)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-2: d, -1: ci})

    def call(self, inputs):
        d, ci = self.code_length, self.input_channels
        steps = ops.shape(inputs)[1]
        x = ops.reshape(inputs, (-1, steps, d * ci))
        previous = ops.pad(x, ((0, 0), (1, 0), (0, 0)))[:, :-1]
        current_kernel = masks.scatter_blocks(self.current_kernel, self._pairs, d)
        y = ops.matmul(previous, ops.cast(self.previous_kernel, x.dtype))
        y = y + ops.matmul(x, ops.cast(current_kernel, x.dtype))
        y = ops.reshape(y, (-1, steps, d, self.filters))
        if self.bias is not None:
            y = y + ops.cast(self.bias, y.dtype)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "mask_type": self.mask_type,
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_optional(self.kernel_initializer),
                "bias_initializer": serialize_optional(self.bias_initializer),
            }
        )
        return config
