"""Data: MNIST loading, the one-class protocol split and the shipped sample."""

from lsa_keras.datasets.idx import read_idx
from lsa_keras.datasets.mnist import DATA_DIR_ENV, load_mnist
from lsa_keras.datasets.protocol import PROTOCOL_SEED, one_class_split, shuffled_train_val_indices
from lsa_keras.datasets.sample import load_mnist_sample

__all__ = [
    "DATA_DIR_ENV",
    "PROTOCOL_SEED",
    "load_mnist",
    "load_mnist_sample",
    "one_class_split",
    "read_idx",
    "shuffled_train_val_indices",
]
