"""Pretrained models: the folder format, the Hugging Face Hub, model cards and the zoo."""

from lsa_keras.hub.pretrained import (
    download,
    from_pretrained,
    load_folder,
    push_to_hub,
    save_pretrained,
    sha256,
)

__all__ = ["download", "from_pretrained", "load_folder", "push_to_hub", "save_pretrained",
           "sha256"]
