"""LSA models and the networks of each setting."""

from lsa_keras.models.architectures import available_architectures, build_networks
from lsa_keras.models.lsa import LSA
from lsa_keras.models.vae import VAE

__all__ = ["LSA", "VAE", "available_architectures", "build_networks"]
