"""LSA models and the networks of each setting."""

from lsa_keras.models.architectures import available_architectures, build_networks
from lsa_keras.models.lsa import LSA

__all__ = ["LSA", "available_architectures", "build_networks"]
