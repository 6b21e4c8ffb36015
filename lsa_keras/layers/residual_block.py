"""The residual block R of the LSA autoencoders (paper Fig. 1ii)."""

import keras

from lsa_keras.layers.conv_block import ConvBlock, batch_norm, conv, leaky_relu


@keras.saving.register_keras_serializable(package="lsa_keras")
class ResidualBlock(ConvBlock):
    """Residual block R: two 3x3 convs with BN and an identity shortcut (no BN on it).

    Input and output shape: ``(batch, h, w, filters)`` or ``(batch, t, h, w, filters)``.

    Args:
        filters: channels; must equal the input's.
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.main = [
            conv(self.rank, self.filters, 3, name="conv1"),
            batch_norm("bn1"),
            leaky_relu("act1"),
            conv(self.rank, self.filters, 3, name="conv2"),
            batch_norm("bn2"),
        ]
        self.shortcut = []

    def build(self, input_shape):
        if input_shape[-1] != self.filters:
            raise ValueError(
                f"ResidualBlock({self.filters}) needs {self.filters} input channels for its "
                f"identity shortcut, got input shape {input_shape}."
            )
        super().build(input_shape)
