"""Upload a built zoo folder to the Hugging Face Hub and pin it in the preset file."""

import os
from typing import Any

from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets


def publish(name: str, folder: str, token: str | None = None,
            private: bool = False) -> dict[str, Any]:
    """Upload ``folder`` (a ``save_pretrained`` folder) to the preset's ``repo_id``.

    The repository is created if needed. Nothing is written to the preset file; record the
    returned fields with :func:`lsa_keras.models.lsa.lsa_presets.update_preset`.

    Args:
        name: the zoo name, e.g. ``"mnist-7"``.
        folder: the built folder holding every file of ``pretrained.MODEL_FILES``.
        token: Hub token; default the saved login.
        private: create the repository private.

    Returns:
        ``{"revision": commit id, "files": {file name: SHA-256}}``.

    Raises:
        FileNotFoundError: if the folder lacks a model file.
        ValueError: if ``name`` is not a zoo name.
    """
    from huggingface_hub import HfApi

    missing = [n for n in pretrained.MODEL_FILES if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}; build it first with "
                                "lsa-keras zoo build.")
    entry = lsa_presets.preset(name)
    files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    api = HfApi(token=token, library_name=pretrained.LIBRARY_NAME)
    api.create_repo(entry["repo_id"], private=private, exist_ok=True)
    info = api.upload_folder(repo_id=entry["repo_id"], folder_path=folder,
                             allow_patterns=list(pretrained.MODEL_FILES),
                             commit_message=f"lsa_keras zoo: {name}")
    return {"revision": info.oid, "files": files}
