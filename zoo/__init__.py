"""The pretrained zoo's data, installed as ``lsa_keras.zoo``: ``presets.json``.

Read it through :mod:`lsa_keras.models.lsa.lsa_presets` (recipes, zoo names, pinned revisions,
hashes, metrics) and :mod:`lsa_keras.hub.zoo` (the local zoo folder). ``lsa-keras zoo
list|download|build|publish`` are its commands. The names below are kept for code written
against the older ``lsa_keras.zoo`` module.
"""

from lsa_keras.hub.zoo import (  # noqa: F401
    REGISTRY_ENV,
    ZOO_DIR_ENV,
    available,
    entry,
    recipe,
    registry_path,
    zoo_dir,
)
