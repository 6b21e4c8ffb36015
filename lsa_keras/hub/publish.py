"""Upload a built zoo folder to the Hugging Face Hub and pin it in the preset file."""

import os
from typing import Any

from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets


def publish(name: str, folder: str, token: str | None = None,
            private: bool = False) -> dict[str, Any]:
    """Upload ``folder`` (a ``save_pretrained`` folder) to the preset's ``repo_id``.

    The folder is loaded first (its hashes checked, the model calibrated), so nothing is
    created on the Hub for a folder that could not be used. The repository is created if
    needed; the commit is then listed to check that it holds every model file. Nothing is
    written to the preset file; record the returned fields with
    :func:`lsa_keras.models.lsa.lsa_presets.update_preset` (``lsa-keras zoo publish`` does).

    Args:
        name: the zoo name, e.g. ``"mnist-7"``.
        folder: the built folder holding every file of ``pretrained.MODEL_FILES``.
        token: Hub token; default the saved login.
        private: create the repository private.

    Returns:
        ``{"revision": commit id, "files": {file name: SHA-256}, "size_bytes": folder size}``.

    Raises:
        FileNotFoundError: if the folder lacks a model file.
        ValueError: if ``name`` is not a zoo name, or the folder does not load.
        OSError: if the commit does not hold the files uploaded.
    """
    from huggingface_hub import HfApi

    missing = [n for n in pretrained.MODEL_FILES if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}; build it first with "
                                f"`lsa-keras zoo build {name}`.")
    entry = lsa_presets.preset(name)
    model = pretrained.load_folder(folder)  # hashes, config and weights checked
    pretrained.check_calibrated(model, "publish")
    del model
    files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    api = HfApi(token=token, library_name=pretrained.LIBRARY_NAME)
    api.create_repo(entry["repo_id"], private=private, exist_ok=True)
    info = api.upload_folder(repo_id=entry["repo_id"], folder_path=folder,
                             allow_patterns=list(pretrained.MODEL_FILES),
                             commit_message=f"lsa_keras zoo: {name}")
    committed = set(api.list_repo_files(entry["repo_id"], revision=info.oid))
    if not set(files) <= committed:
        raise OSError(f"commit {info.oid} of {entry['repo_id']} lacks "
                      f"{', '.join(sorted(set(files) - committed))}.")
    return {"revision": info.oid, "files": files, "size_bytes": pretrained.folder_size(folder)}
