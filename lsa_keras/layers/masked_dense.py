"""MFC: the masked fully connected autoregressive layer (paper Sec. 3.1, Fig. 3)."""

import keras
from keras import ops

from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer


@keras.saving.register_keras_serializable(package="lsa_keras")
class MaskedDense(AutoregressiveLayer):
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

    channels_name = "units"

    def __init__(self, units, mask_type="B", use_bias=True, kernel_initializer=None,
                 bias_initializer=None, **kwargs):
        super().__init__(units, mask_type, use_bias, kernel_initializer, bias_initializer,
                         ndim=3, **kwargs)

    @property
    def units(self):
        return self.channels

    def build(self, input_shape):
        self.kernel = self._add_masked_kernel("kernel", self._build_common(input_shape))
        self._build_bias()

    def call(self, inputs):
        d = self.code_length
        y = self._masked_matmul(ops.reshape(inputs, (-1, d * self.input_channels)), self.kernel)
        return self._add_bias(ops.reshape(y, (-1, d, self.units)))
