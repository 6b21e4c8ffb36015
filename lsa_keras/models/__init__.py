"""The models of lsa_keras: LSA and the networks of each architecture."""

from lsa_keras.models.lsa import LSA, LSADetector, available_architectures, build_networks

__all__ = ["LSA", "LSADetector", "available_architectures", "build_networks"]
