"""The temporal fully connected layer (TFC) of the video estimators."""

import keras

from lsa_keras.layers.torch_dense import TorchDense


@keras.saving.register_keras_serializable(package="lsa_keras")
class TemporalDense(TorchDense):
    """TFC: one dense layer shared by every time step of a video code.

    Input shape: ``(batch, t, features)``. Output shape: ``(batch, t, units)``.
    """

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.input_spec = keras.layers.InputSpec(ndim=3)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"TemporalDense expects (batch, t, features), got input shape {input_shape}."
            )
        super().build(input_shape)
