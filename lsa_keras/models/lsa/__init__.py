"""LSA: the model, its networks, its trainer, its scorer, its sampler and its presets."""

from lsa_keras.models.lsa.lsa import LSA
from lsa_keras.models.lsa.lsa_detector import LSADetector
from lsa_keras.models.lsa.lsa_presets import register_presets
from lsa_keras.models.lsa.lsa_networks import (
    available_architectures,
    build_networks,
    input_shape_of,
    register_architecture,
)

register_presets(LSA)

__all__ = ["LSA", "LSADetector", "available_architectures", "build_networks", "input_shape_of",
           "register_architecture"]
