"""lsa_keras: Latent Space Autoregression for novelty detection (Abati et al., CVPR 2019).

Importing lsa_keras changes nothing in the process environment, and imports Keras (and its
backend) only when a name below is first used. The ``lsa-keras`` command and the example
scripts choose TensorFlow's settings before it starts (its pooling CPU allocator, its oneDNN
kernels off); a program of your own calls
:func:`lsa_keras.utils.tensorflow_settings.choose_tensorflow_settings` before importing Keras
to do the same.
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
