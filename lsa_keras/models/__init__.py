"""The models of lsa_keras: LSA and the networks of each architecture."""

from lsa_keras.models.lsa import LSA, available_architectures, build_networks

__all__ = ["LSA", "available_architectures", "build_networks"]
