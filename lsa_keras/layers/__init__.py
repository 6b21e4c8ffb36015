"""Layers of LSA: the autoregressive estimator layers and the autoencoder blocks."""

from lsa_keras.layers.batch_norm import BatchNorm
from lsa_keras.layers.blocks import DownBlock, ResidualBlock, UpBlock
from lsa_keras.layers.causal_conv3d import CausalConv3D
from lsa_keras.layers.dense import TemporalDense, TorchDense
from lsa_keras.layers.masked_dense import MaskedDense
from lsa_keras.layers.masked_stacked_conv import MaskedStackedConv
from lsa_keras.layers.precomputed_masked_dense import PrecomputedMaskedDense
from lsa_keras.layers.upsampling_conv import CroppedConv3DTranspose, SlicedCropping2D

__all__ = [
    "BatchNorm",
    "CausalConv3D",
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
