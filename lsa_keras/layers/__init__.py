"""Layers of LSA: the autoregressive estimator layers and the autoencoder blocks."""

from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer
from lsa_keras.layers.batch_norm import BatchNorm
from lsa_keras.layers.causal_conv3d import CausalConv3D
from lsa_keras.layers.conv_block import ConvBlock
from lsa_keras.layers.cropped_conv3d_transpose import CroppedConv3DTranspose
from lsa_keras.layers.down_block import DownBlock
from lsa_keras.layers.masked_dense import MaskedDense
from lsa_keras.layers.masked_stacked_conv import MaskedStackedConv
from lsa_keras.layers.precomputed_masked_dense import PrecomputedMaskedDense
from lsa_keras.layers.residual_block import ResidualBlock
from lsa_keras.layers.sliced_cropping2d import SlicedCropping2D
from lsa_keras.layers.temporal_dense import TemporalDense
from lsa_keras.layers.torch_dense import TorchDense
from lsa_keras.layers.up_block import UpBlock

__all__ = [
    "AutoregressiveLayer",
    "BatchNorm",
    "CausalConv3D",
    "ConvBlock",
    "CroppedConv3DTranspose",
    "DownBlock",
    "MaskedDense",
    "MaskedStackedConv",
    "PrecomputedMaskedDense",
    "ResidualBlock",
    "SlicedCropping2D",
    "TemporalDense",
    "TorchDense",
    "UpBlock",
]
