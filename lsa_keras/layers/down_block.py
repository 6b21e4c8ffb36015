"""The downsampling block D of the LSA autoencoders (paper Fig. 1ii)."""

import keras

from lsa_keras.layers.causal_conv3d import CausalConv3D
from lsa_keras.layers.conv_block import ConvBlock, as_tuple, batch_norm, conv, leaky_relu, subsample


@keras.saving.register_keras_serializable(package="lsa_keras")
class DownBlock(ConvBlock):
    """Downsampling block D: 3x3 conv (stride s), 3x3 conv, shortcut 1x1 conv (stride s) + BN.

    2D: the strided conv pads 1 on each side, as the reference does (Keras' ``"same"`` would
    pad differently for even sizes), so ``n -> (n - 1) // s + 1``. 3D: both 3x3x3 convs are
    causal in time (:class:`CausalConv3D`).

    Input shape: ``(batch, h, w, c)`` or ``(batch, t, h, w, c)``; output channels ``filters``.

    Args:
        filters: output channels.
        strides: int or tuple, the stride of the first conv and the shortcut.
        rank: 2 for images, 3 for video clips.
    """

    def __init__(self, filters, strides=2, rank=2, **kwargs):
        super().__init__(filters, rank=rank, **kwargs)
        self.strides = as_tuple(strides, self.rank, "strides")
        if self.rank == 2:
            pad = keras.layers.ZeroPadding2D(1, name="pad")
            conv1 = [pad, conv(2, self.filters, 3, self.strides, "valid", name="conv1")]
            conv2 = conv(2, self.filters, 3, name="conv2")
        else:
            conv1 = [CausalConv3D(self.filters, strides=self.strides, name="conv1")]
            conv2 = CausalConv3D(self.filters, name="conv2")
        self.main = conv1 + [batch_norm("bn1"), leaky_relu("act1"), conv2, batch_norm("bn2")]
        # The strided 1x1 shortcut conv runs as a subsampling (``_shortcut_input``) and a 1x1
        # conv of stride 1: the same numbers, the same weights, but TensorFlow 2.21's oneDNN
        # kernels for a 1x1 conv of stride 2 corrupt the heap in training without XLA.
        self.shortcut = [
            conv(self.rank, self.filters, 1, 1, "valid", name="shortcut_conv"),
            batch_norm("shortcut_bn"),
        ]

    def _shortcut_input(self, inputs):
        return subsample(inputs, self.strides)

    def get_config(self):
        config = super().get_config()
        config["strides"] = self.strides
        return config
