"""lsa_keras: Latent Space Autoregression for novelty detection (Abati et al., CVPR 2019)."""

__version__ = "0.1.0"

from lsa_keras import layers, losses  # noqa: E402
from lsa_keras.models import LSA, available_architectures  # noqa: E402
from lsa_keras.pretrained import from_pretrained  # noqa: E402

__all__ = ["LSA", "available_architectures", "from_pretrained", "layers", "losses", "__version__"]
