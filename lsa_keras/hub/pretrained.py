"""Pretrained models: the folder format, loading by zoo name, ``hf://`` handle or folder, and
publishing to the Hugging Face Hub.

A pretrained folder holds

- ``config.json``: the model's Keras serialisation (architecture, code length, bins, lam);
- ``model.weights.h5``: its weights, including the calibrated score statistics and threshold,
  so a loaded model scores at once;
- ``metadata.json``: dataset, normal class, measured AUROC, split, seed and schedule;
- ``README.md``: a model card for the Hub (see :mod:`lsa_keras.hub.model_card`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

import keras

if TYPE_CHECKING:
    from lsa_keras.models.lsa import LSA

FORMAT = "lsa_keras.pretrained/1"
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
CARD_FILE = "README.md"
MODEL_FILES = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE, CARD_FILE)
LIBRARY_NAME = "lsa_keras"
HF_PREFIX = "hf://"


def sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version():
    from lsa_keras import __version__

    return __version__


def save_pretrained(model: LSA, folder: str | os.PathLike, metadata: dict | None = None) -> str:
    """Write ``model`` as a pretrained folder (see the module docstring).

    Args:
        model: a calibrated :class:`lsa_keras.LSA`.
        folder: destination; created if needed, files of an earlier save are replaced.
        metadata: JSON-serialisable dict merged into ``metadata.json`` and shown on the model
            card: ``name``, ``dataset``, ``normal_class``, ``metrics`` (``auroc_ns``,
            ``auroc_llk``, ``auroc_rec``), ``schedule``, ``protocol``, ``data``, ...

    Returns:
        the folder path.
    """
    from lsa_keras.hub import model_card

    if float(keras.ops.convert_to_numpy(model.calibrated)) != 1.0:
        raise ValueError(
            "save_pretrained needs a calibrated model so that it scores as soon as it is loaded: "
            "call model.calibrate(x_val) with normal validation images first."
        )
    serialized = keras.saving.serialize_keras_object(model)
    serialized.pop("compile_config", None)  # a pretrained model is for scoring or fine-tuning
    # A loaded model keeps its metadata (metrics, schedule) when saved or pushed again.
    meta = dict(getattr(model, "pretrained_metadata", None) or {})
    meta.update({
        "format": FORMAT, "lsa_keras_version": _version(), "keras_version": keras.__version__,
        "backend": keras.backend.backend(), "architecture": model.architecture,
        "image_shape": list(model.image_shape), "code_length": model.code_length,
        "bins": model.bins,
    })
    meta.update(metadata or {})
    json.dumps(meta)  # fail here, before anything is written, if it cannot be stored
    os.makedirs(folder, exist_ok=True)
    # Write everything into a sibling temporary folder, then move the files in: an interrupted
    # save never leaves a half-written weights file under the final name.
    staging = tempfile.mkdtemp(prefix=".tmp-", dir=folder)
    try:
        with open(os.path.join(staging, CONFIG_FILE), "w") as f:
            json.dump({"format": FORMAT, "model": serialized}, f, indent=2)
        model.save_weights(os.path.join(staging, WEIGHTS_FILE))
        # The folder vouches for its own config and weights: load_folder checks these hashes
        # (the zoo registry pins all four files, this one included, on top).
        meta["sha256"] = {n: sha256(os.path.join(staging, n)) for n in (CONFIG_FILE, WEIGHTS_FILE)}
        with open(os.path.join(staging, METADATA_FILE), "w") as f:
            json.dump(meta, f, indent=2)
        with open(os.path.join(staging, CARD_FILE), "w") as f:
            f.write(model_card.render(meta))
        for name in MODEL_FILES:
            os.replace(os.path.join(staging, name), os.path.join(folder, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def load_folder(folder: str | os.PathLike, expected_sha256: dict[str, str] | None = None) -> LSA:
    """Load a pretrained folder written by :func:`save_pretrained`.

    Args:
        folder: the folder.
        expected_sha256: optional ``{file name: hex digest}``; a file that differs is refused.
    """
    missing = [n for n in (CONFIG_FILE, WEIGHTS_FILE) if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        raise FileNotFoundError(
            f"{folder!r} is not a complete lsa_keras pretrained folder: {', '.join(missing)} "
            "missing. Write one with model.save_pretrained(folder)."
        )
    _check_hashes(folder, expected_sha256 or {}, "the zoo registry")
    metadata = _read_metadata(folder)
    recorded = metadata.get("sha256")
    if recorded is not None:
        if not isinstance(recorded, dict):
            raise ValueError(f"{os.path.join(folder, METADATA_FILE)} has a malformed 'sha256' entry.")
        _check_hashes(folder, recorded, METADATA_FILE)
    config_path = os.path.join(folder, CONFIG_FILE)
    try:
        with open(config_path) as f:
            config = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{config_path} is not valid JSON ({e}); the file is corrupt.") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(
            f"{config_path} is not an lsa_keras pretrained config (format "
            f"{config.get('format') if isinstance(config, dict) else None!r}, expected {FORMAT!r})."
        )
    import lsa_keras  # noqa: F401  (registers the classes the config names)

    try:
        # safe_mode (Keras' default, spelled out): a config that would run code, such as a
        # Lambda layer's serialized bytecode, is refused rather than executed.
        model = keras.saving.deserialize_keras_object(config["model"], safe_mode=True)
    except Exception as e:
        raise ValueError(
            f"{config_path} does not describe an lsa_keras model that can be loaded safely "
            f"({type(e).__name__}: {e})."
        ) from e
    if not hasattr(model, "calibrated"):
        raise ValueError(f"{config_path} describes a {type(model).__name__}, not an lsa_keras LSA.")
    weights_path = os.path.join(folder, WEIGHTS_FILE)
    try:
        model.load_weights(weights_path)
    except Exception as e:  # h5py and Keras raise OSError, ValueError or KeyError here
        raise ValueError(
            f"{weights_path} could not be read ({type(e).__name__}: {e}); it is truncated, "
            "corrupt or belongs to another model. Delete it and download or save it again."
        ) from e
    model.pretrained_metadata = metadata
    return model


def _check_hashes(folder, expected, source):
    for name, digest in expected.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is missing.")
        actual = sha256(path)
        if actual != digest:
            raise ValueError(
                f"{path} has SHA-256 {actual}, but {source} expects {digest}: the file is "
                "corrupt, truncated or was changed, so it is refused. Delete it and download or "
                "save it again."
            )


def _read_metadata(folder):
    path = os.path.join(folder, METADATA_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path) as f:
            metadata = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not valid JSON ({e}); the file is corrupt.") from e
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(metadata).__name__}.")
    return metadata


def _offline_help(what, repo_id, revision):
    return (
        f"Could not get {what} of {repo_id}@{revision} from the Hugging Face Hub or its local "
        f"cache. Without network, pre-fetch the files on a connected machine with "
        f"`huggingface-cli download {repo_id} --revision {revision}` (same HF_HOME or "
        "cache_dir), or pass the path of a local folder to from_pretrained; a zoo name also "
        "loads from a zoo built locally with `lsa-keras zoo build`."
    )


def download(repo_id: str, revision: str = "main", cache_dir: str | None = None,
             local_files_only: bool = False) -> str:
    """Fetch a pretrained folder from the Hub into the Hugging Face cache; return its path.

    Only ``hf_hub_download`` is used, so with a warm cache this works under
    ``HF_HUB_OFFLINE=1``.
    """
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError

    paths = []
    for name in MODEL_FILES:
        try:
            paths.append(hf_hub_download(
                repo_id, name, revision=revision, cache_dir=cache_dir,
                library_name=LIBRARY_NAME, library_version=_version(),
                local_files_only=local_files_only,
            ))
        except (EntryNotFoundError, HfHubHTTPError, OSError, ConnectionError) as e:
            raise OSError(_offline_help(name, repo_id, revision) + f" ({type(e).__name__}: {e})") from e
    return os.path.dirname(paths[0])


def from_pretrained(name_or_path: str | os.PathLike, revision: str | None = None,
                    cache_dir: str | None = None, local_files_only: bool = False) -> LSA:
    """Load a pretrained LSA by zoo name, ``hf://org/repo[@revision]`` handle or local folder.

    Args:
        name_or_path: ``"mnist-7"`` (see ``lsa-keras zoo list``), ``"hf://org/repo"``
            or a folder written by ``save_pretrained``.
        revision: Hub revision; zoo names default to the registry's pinned commit (and then
            check each file's SHA-256), handles to ``"main"``.
        cache_dir: Hugging Face cache folder (default: the Hub's own).
        local_files_only: never use the network, only the cache.

    A zoo name is looked up first in the local zoo folder (``LSA_KERAS_ZOO_DIR``, default
    ``~/.cache/lsa_keras/zoo``) that ``lsa-keras zoo build`` fills, then on the Hub.

    Returns:
        a calibrated :class:`lsa_keras.LSA` with ``pretrained_metadata``.
    """
    from lsa_keras.hub import zoo

    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a zoo name, 'hf://org/repo' or a folder path, got "
                        f"{type(name_or_path).__name__}.")
    name = os.fspath(name_or_path)
    if os.path.isdir(name):
        return load_folder(name)
    if os.path.exists(name):
        raise ValueError(f"{name} is a file; pass the folder that save_pretrained wrote.")
    if name.startswith(HF_PREFIX):
        repo_id, _, handle_revision = name[len(HF_PREFIX):].partition("@")
        if repo_id.count("/") != 1:
            raise ValueError(f"expected hf://org/repo[@revision], got {name!r}.")
        return load_folder(download(repo_id, revision or handle_revision or "main", cache_dir,
                                    local_files_only))
    if os.sep in name or name.startswith((".", "~")) or isinstance(name_or_path, os.PathLike):
        raise FileNotFoundError(
            f"{name}: no such folder. Pass a folder written by save_pretrained, a zoo name "
            "(lsa-keras zoo list) or 'hf://org/repo'.")
    entry = zoo.entry(name)  # raises with the list of names
    files = entry.get("files") or None
    local = os.path.join(zoo.zoo_dir(), name)
    if os.path.isfile(os.path.join(local, CONFIG_FILE)):
        return load_folder(local, files)
    if not entry.get("revision"):
        raise OSError(
            f"{name} is not in the local zoo ({local}) and has not been published to the Hub "
            f"yet. Build it with `lsa-keras zoo build "
            f"{entry['dataset']} --classes {entry['normal_class']}`, or pass a folder."
        )
    folder = download(entry["repo_id"], revision or entry["revision"], cache_dir, local_files_only)
    return load_folder(folder, files if revision in (None, entry["revision"]) else None)


def push_to_hub(model: LSA, repo_id: str, token: str | None = None, private: bool = False,
                metadata: dict | None = None, commit_message: str = "Upload LSA model"):
    """Create ``repo_id`` on the Hub if needed and upload the model's pretrained folder.

    Returns:
        huggingface_hub's ``CommitInfo`` (its ``oid`` is the commit to pin).
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token, library_name=LIBRARY_NAME, library_version=_version())
    api.create_repo(repo_id, private=private, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        save_pretrained(model, tmp, metadata)
        return api.upload_folder(repo_id=repo_id, folder_path=tmp, commit_message=commit_message)
