"""Data: MNIST, CIFAR-10, TensorFlow Datasets (:func:`load_tfds`), image folders (loaded or streamed, :class:`ImageFiles`), UCSD Ped2, ShanghaiTech and DR(eye)VE (with generators of
the two video layouts the tests and examples use), the one-class protocol split and the shipped
sample, and one dispatch (:func:`load_one_class`) from a dataset name to its
one-class split."""

from lsa_keras.datasets.cifar10 import CIFAR10_CLASSES, load_cifar10
from lsa_keras.datasets.dreyeve import DrEyeVE
from lsa_keras.datasets.idx import read_idx
from lsa_keras.datasets.image_files import ImageFiles
from lsa_keras.datasets.image_folder import load_image_folder
from lsa_keras.datasets.mnist import DATA_DIR_ENV, load_mnist
from lsa_keras.datasets.one_class import DATASETS, load_one_class
from lsa_keras.datasets.protocol import PROTOCOL_SEED, one_class_split, shuffled_train_val_indices
from lsa_keras.datasets.sample import load_mnist_sample
from lsa_keras.datasets.shanghaitech import ShanghaiTech, remove_background
from lsa_keras.datasets.synthetic_dreyeve import write_synthetic_dreyeve
from lsa_keras.datasets.synthetic_ucsd import write_synthetic_ucsd
from lsa_keras.datasets.tfds import load_tfds
from lsa_keras.datasets.ucsd import load_ucsd

__all__ = [
    "CIFAR10_CLASSES",
    "DATASETS",
    "DATA_DIR_ENV",
    "DrEyeVE",
    "ImageFiles",
    "PROTOCOL_SEED",
    "ShanghaiTech",
    "load_cifar10",
    "load_image_folder",
    "load_mnist",
    "load_mnist_sample",
    "load_one_class",
    "load_tfds",
    "load_ucsd",
    "one_class_split",
    "read_idx",
    "remove_background",
    "shuffled_train_val_indices",
    "write_synthetic_dreyeve",
    "write_synthetic_ucsd",
]
