"""The upsampling block U of the LSA autoencoders (paper Fig. 1ii)."""

import keras

from lsa_keras.layers.conv_block import (
    ConvBlock,
    as_tuple,
    batch_norm,
    conv,
    leaky_relu,
    transposed_conv,
    upsampling_5x5,
)


@keras.saving.register_keras_serializable(package="lsa_keras")
class UpBlock(ConvBlock):
    """Upsampling block U: transposed 5x5 conv (stride s), 3x3 conv, upsampling shortcut + BN.

    Each axis grows from ``n`` to ``n * s``. The shortcut is a transposed 1x1 conv in 2D and a
    transposed 5x5x5 conv in 3D, as in the reference.

    Input shape: ``(batch, h, w, c)`` or ``(batch, t, h, w, c)``; output channels ``filters``.

    Args:
        filters: output channels.
        strides: int or tuple, the upsampling factor of each axis (1 or 2).
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, strides=2, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.strides = as_tuple(strides, self.rank, "strides")
        if max(self.strides) > 2:
            raise ValueError(f"UpBlock strides must be 1 or 2, got {self.strides}.")
        self.main = upsampling_5x5(self.rank, self.filters, self.strides, "conv1") + [
            batch_norm("bn1"),
            leaky_relu("act1"),
            conv(self.rank, self.filters, 3, name="conv2"),
            batch_norm("bn2"),
        ]
        if self.rank == 2:
            shortcut = [
                transposed_conv(
                    2,
                    self.filters,
                    1,
                    self.strides,
                    output_padding=tuple(s - 1 for s in self.strides),
                    name="shortcut_conv",
                )
            ]
        else:
            shortcut = upsampling_5x5(3, self.filters, self.strides, "shortcut_conv")
        self.shortcut = shortcut + [batch_norm("shortcut_bn")]

    def get_config(self):
        config = super().get_config()
        config["strides"] = self.strides
        return config
