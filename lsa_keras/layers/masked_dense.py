"""MFC: the masked fully connected autoregressive layer (paper Sec. 3.1, Fig. 3)."""

import keras
from keras import ops

from lsa_keras.initializers import FanInUniform, serialize_optional
from lsa_keras.layers import masks


@keras.saving.register_keras_serializable(package="lsa_keras")
class MaskedDense(keras.layers.Layer):
    """Masked fully connected layer (MFC) over a code of length ``d``.

    Output position ``j`` depends on input positions ``i < j`` (``mask_type="A"``) or
    ``i <= j`` (``"B"``), through all input channels. Only the unmasked weights are stored, so
    ``count_params()`` is ``(d*d + d)/2 * ci * units + d * units`` for type B and
    ``(d*d - d)/2 * ci * units + d * units`` for type A (supplement Sec. 7). With type A,
    output position 0 sees nothing: it is a learned unconditional distribution (its bias).

    Input shape: ``(batch, d, ci)``. Output shape: ``(batch, d, units)``.

    Args:
        units: output channels per code position.
        mask_type: ``"A"`` (strictly earlier positions) or ``"B"`` (earlier and same).
        use_bias: whether to add a bias of shape ``(d, units)``.
        kernel_initializer: initialiser of the free blocks; by default uniform in
            ``+-1/sqrt(d*ci)``, PyTorch's default for the reference's ``nn.Linear(d*ci, d*co)``.
        bias_initializer: likewise for the bias.
    """

    def __init__(
        self,
        units,
        mask_type="B",
        use_bias=True,
        kernel_initializer=None,
        bias_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"units must be a positive integer, got {units!r}.")
        self.units = int(units)
        self.mask_type = masks.check_mask_type(mask_type)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=3)

    def build(self, input_shape):
        d, ci = input_shape[-2], input_shape[-1]
        if d is None or ci is None:
            raise ValueError(
                f"MaskedDense needs a known code length and channel count, got input shape "
                f"{input_shape}; expected (batch, d, ci)."
            )
        self.code_length, self.input_channels = int(d), int(ci)
        default_init = FanInUniform(d * ci)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(masks.num_free_pairs(d, self.mask_type), ci, self.units),
            initializer=self.kernel_initializer or default_init,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(d, self.units),
                initializer=self.bias_initializer or default_init,
            )
        self._pairs = masks.free_pairs(d, self.mask_type)
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-2: d, -1: ci})

    def dense_kernel(self):
        """The full ``(d*ci, d*units)`` kernel, zeros where the mask forbids a connection."""
        return masks.scatter_blocks(self.kernel, self._pairs, self.code_length)

    def call(self, inputs):
        d = self.code_length
        x = ops.reshape(inputs, (-1, d * self.input_channels))
        y = ops.matmul(x, ops.cast(self.dense_kernel(), x.dtype))
        y = ops.reshape(y, (-1, d, self.units))
        if self.bias is not None:
            y = y + ops.cast(self.bias, y.dtype)
        return y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "mask_type": self.mask_type,
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_optional(self.kernel_initializer),
                "bias_initializer": serialize_optional(self.bias_initializer),
            }
        )
        return config
