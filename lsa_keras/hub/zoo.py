"""The pretrained zoo: its names (from the preset file) and the local folder it is built into.

A zoo name such as ``mnist-7`` is looked up in the local zoo folder first (``<zoo_dir()>/<name>/``,
written by ``lsa-keras zoo build``), then on the Hugging Face Hub at the preset's pinned
revision (``lsa-keras zoo publish`` uploads and pins it). Either way the files must match the
SHA-256 the preset's ``files`` pins (``zoo build`` pins the folder it writes, ``zoo publish``
the commit's files).
"""

import os
from typing import Any

from lsa_keras.models.lsa.lsa_presets import (
    PRESETS_ENV,
    available_presets,
    load_presets,
    preset,
    presets_path,
    recipe,
    save_presets,
    update_preset,
)

ZOO_DIR_ENV = "LSA_KERAS_ZOO_DIR"
# The environment variable naming another preset file (tests, a private zoo).
REGISTRY_ENV = PRESETS_ENV


def zoo_dir(override: str | os.PathLike | None = None) -> str:
    """Folder of the locally built zoo: ``override``, ``$LSA_KERAS_ZOO_DIR`` or
    ``~/.cache/lsa_keras/zoo`` (under ``$XDG_CACHE_HOME`` when set)."""
    if override:
        return os.fspath(override)
    if os.environ.get(ZOO_DIR_ENV):
        return os.environ[ZOO_DIR_ENV]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "lsa_keras", "zoo")


def available() -> list[str]:
    """Sorted zoo names."""
    return available_presets()


def entry(name: str) -> dict[str, Any]:
    """The preset entry of zoo name ``name`` (see :func:`lsa_keras.models.lsa.lsa_presets.preset`).

    Raises:
        ValueError: if ``name`` is unknown; the message lists the zoo names.
    """
    return preset(name)


def registry_path() -> str:
    """The preset file the zoo reads (see :func:`lsa_keras.models.lsa.lsa_presets.presets_path`)."""
    return presets_path()


__all__ = ["REGISTRY_ENV", "ZOO_DIR_ENV", "available", "entry", "load_presets", "recipe",
           "registry_path", "save_presets", "update_preset", "zoo_dir"]
