"""lsa_keras: Latent Space Autoregression for novelty detection (Abati et al., CVPR 2019)."""

import os

__version__ = "0.1.0"

# TensorFlow's default CPU allocator returns large buffers to the system when they are freed,
# so every training step faults its pages in again; on an AVX2 AMD EPYC of this project an
# MNIST epoch took 47-56 s that way and 26-28 s with TensorFlow's pooling (BFC) allocator
# (examples/results/profiling-notes/README.md, "allocator"). Read when TensorFlow first
# allocates, so it must be set before any TensorFlow op runs; a user's own setting wins.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

from lsa_keras import layers, losses  # noqa: E402
from lsa_keras.models import LSA, available_architectures  # noqa: E402
from lsa_keras.pretrained import from_pretrained  # noqa: E402

__all__ = ["LSA", "available_architectures", "from_pretrained", "layers", "losses", "__version__"]
