"""lsa_keras: Latent Space Autoregression for novelty detection (Abati et al., CVPR 2019).

Importing lsa_keras changes nothing in the process environment, and imports Keras (and its
backend) only when a name below is first used. On CPUs, TensorFlow trains faster with its
pooling allocator: export ``TF_CPU_ALLOCATOR_USE_BFC=true`` before TensorFlow is imported (the
``lsa-keras`` command and the example scripts set it for themselves).
"""

import importlib

__version__ = "0.2.0.dev0"

_SUBMODULES = ("datasets", "hub", "layers", "losses", "models", "scoring", "training", "video")
_NAMES = {"LSA": "lsa_keras.models", "LSADetector": "lsa_keras.models",
          "available_architectures": "lsa_keras.models", "from_pretrained": "lsa_keras.hub"}

__all__ = ["LSA", "LSADetector", "available_architectures", "datasets", "from_pretrained", "hub",
           "layers", "losses", "models", "scoring", "training", "video", "__version__"]


def __getattr__(name):
    # Resolved on first use: TensorFlow sets environment variables when it is imported.
    if name in _SUBMODULES:
        return importlib.import_module(f"lsa_keras.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'lsa_keras' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
