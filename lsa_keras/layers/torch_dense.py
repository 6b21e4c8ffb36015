"""Dense layers initialised as PyTorch initialises ``nn.Linear``."""

import keras

from lsa_keras.initializers import torch_bias_initializer, torch_kernel_initializer


@keras.saving.register_keras_serializable(package="lsa_keras")
class TorchDense(keras.layers.Dense):
    """``keras.layers.Dense`` whose default kernel and bias follow PyTorch's ``nn.Linear``.

    Both are uniform in ``+-1/sqrt(fan_in)``; the bias needs the fan-in, known only at build
    time. Explicit ``kernel_initializer``/``bias_initializer`` arguments win.

    Input shape: ``(..., features)``. Output shape: ``(..., units)``.
    """

    def __init__(self, units, kernel_initializer=None, bias_initializer=None, **kwargs):
        self._default_bias = bias_initializer is None
        super().__init__(
            units,
            kernel_initializer=kernel_initializer or torch_kernel_initializer(),
            bias_initializer=bias_initializer or "zeros",
            **kwargs,
        )

    def build(self, input_shape):
        if self._default_bias:
            self.bias_initializer = torch_bias_initializer(input_shape[-1])
        super().build(input_shape)

    def get_config(self):
        config = super().get_config()
        if self._default_bias:
            config["bias_initializer"] = None
        return config
