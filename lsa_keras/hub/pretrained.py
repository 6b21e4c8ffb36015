"""Pretrained models: the folder format, loading by zoo name, ``hf://`` handle or folder, and
publishing to the Hugging Face Hub.

A pretrained folder has Keras' own layout (the one ``keras.saving.save_model(model, folder,
zipped=False)`` and KerasHub's preset saver write), so ``keras.saving.load_model(folder)``
loads it too, once ``lsa_keras`` is imported:

- ``config.json``: the model's Keras serialisation (architecture, code length, bins, lam),
  exactly as ``keras.saving.serialize_keras_object`` writes it;
- ``model.weights.h5``: its inference weights (no optimizer state), including the calibrated
  score statistics and threshold, so a loaded model scores at once; float32, or float16 when
  saved with ``weights_dtype="float16"`` (loaded back into float32 variables; the score
  statistics and threshold always stay float32);
- ``metadata.json``: lsa_keras' metadata: dataset, normal class, measured AUROC, split, seed,
  schedule, the weights' dtype and the SHA-256 of ``config.json`` and ``model.weights.h5``
  (checked by :func:`load_folder`, which refuses a folder without them unless the caller
  passes ``trust_unverified=True``);
- ``README.md``: a model card for the Hub (see :mod:`lsa_keras.hub.model_card`).

Folders written by lsa_keras 0.1.0 (``config.json`` wrapped as ``{"format": ..., "model":
...}``, Adam's moments in the weights file, no hashes in ``metadata.json``) still load with
``trust_unverified=True``, with a ``DeprecationWarning``; save them again to convert them (the
new folder records its hashes and loads without the opt-in).

Hashes: the ``sha256`` map of ``metadata.json``, the zoo registry's ``files`` and
``expected_sha256`` are ``{file name: 64 lowercase hex digits}`` whose keys are names of
:data:`MODEL_FILES`, never paths; only regular files of the folder are hashed (a symlink is
followed, as the Hugging Face cache's snapshots are made of them), none larger than
:func:`max_file_bytes`. ``config.json`` is bounded before anything is built
(:data:`MAX_CONFIG_LAYERS`, :data:`MAX_CONFIG_INT`, :data:`MAX_CONFIG_FILTERS`), and weights
with NaN or infinite values are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from typing import TYPE_CHECKING

import keras
import numpy as np

from lsa_keras.utils.bounded_files import open_regular_file, read_json

if TYPE_CHECKING:
    from lsa_keras.models.lsa import LSA

FORMAT = "lsa_keras.pretrained/2"
# lsa_keras 0.1.0 wrapped the Keras serialisation in {"format": LEGACY_FORMAT, "model": ...}.
LEGACY_FORMAT = "lsa_keras.pretrained/1"
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
CARD_FILE = "README.md"
MODEL_FILES = (CONFIG_FILE, METADATA_FILE, WEIGHTS_FILE, CARD_FILE)
WEIGHTS_DTYPES = ("float32", "float16")
LIBRARY_NAME = "lsa_keras"
HF_PREFIX = "hf://"
# The files whose SHA-256 a folder must record (or a caller pin) to load without opting in.
VERIFIED_FILES = (CONFIG_FILE, WEIGHTS_FILE)
# Size limits, checked before a file is opened for reading or hashing, so that a huge or
# sparse file cannot keep the loader busy for hours or fill the memory. The largest network
# lsa_keras builds (CIFAR-10's) has 17.8 M float32 weights, 71 MB, and a 0.1.0 folder adds
# Adam's two moments (214 MB): 4 GiB leaves twenty times that for larger custom networks, and
# hashing it takes seconds, not hours. config.json and metadata.json are a few kilobytes, the
# model card a few more.
MAX_WEIGHTS_BYTES = 4 * 2**30
MAX_TEXT_BYTES = 16 * 2**20
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
# Bounds on what config.json may ask Keras to build, checked before anything is built: the
# networks are allocated (and initialised) as the config is deserialised, so one edited size
# could otherwise take gigabytes (a convolution block's filters set to 16384 asked for 10 GB).
# The largest integer in the configs of lsa_keras' own architectures is 8192 (ShanghaiTech's
# flattened code), the most filters 256, and they have about a hundred layers. With these
# bounds one edited value allocates at most a few hundred megabytes; a custom network that
# needs more can raise these module constants.
MAX_CONFIG_INT = 2**14
MAX_CONFIG_FILTERS = 2**11
MAX_CONFIG_LAYERS = 5000
# The group of the weights file that holds the LSA's own variables (score statistics,
# threshold, calibrated flag): never cast to float16.
_OWN_VARIABLES = "vars"
_OPTIMIZER = "optimizer"


def sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def max_file_bytes(name: str) -> int:
    """The largest model file ``name`` that :func:`load_folder` reads or hashes:
    :data:`MAX_WEIGHTS_BYTES` for the weights, :data:`MAX_TEXT_BYTES` for the JSON files and
    the model card."""
    return MAX_WEIGHTS_BYTES if name == WEIGHTS_FILE else MAX_TEXT_BYTES


def _open_model_file(folder, name):
    """``folder/name`` opened for binary reading, once it is known to be a regular file no
    larger than :func:`max_file_bytes` (a FIFO or device would block the loader for ever)."""
    path = os.path.join(folder, name)
    try:
        return open_regular_file(path, max_file_bytes(name))
    except FileNotFoundError as e:
        raise FileNotFoundError(
            f"{path} is missing: {folder!r} is not a complete lsa_keras pretrained folder. "
            "Write one with model.save_pretrained(folder).") from e


def _hash_model_file(folder, name):
    """SHA-256 of the model file ``name`` of ``folder`` (checked as :func:`_open_model_file`
    does), reading no more than its limit even if the file grows meanwhile."""
    limit = max_file_bytes(name)
    digest = hashlib.sha256()
    read = 0
    with _open_model_file(folder, name) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            read += len(chunk)
            if read > limit:
                raise ValueError(f"{os.path.join(folder, name)} grew past {limit} bytes while "
                                 "it was hashed; it is refused.")
            digest.update(chunk)
    return digest.hexdigest()


def _valid_hashes(hashes, source):
    """``hashes`` as ``{model file name: digest}``, or a ``ValueError`` naming ``source``.

    Keys are file names of the folder, never paths: a key such as ``../../outside.bin`` would
    otherwise make the loader read (and print the digest of) a file outside the folder.
    """
    if not isinstance(hashes, dict):
        raise ValueError(f"{source} must map file names to SHA-256 digests, got "
                         f"{type(hashes).__name__}.")
    for name, digest in hashes.items():
        if name not in MODEL_FILES:
            raise ValueError(
                f"{source} names {name!r}, which is not a model file: its keys are file names "
                f"of the folder, one of {', '.join(MODEL_FILES)}.")
        if not (isinstance(digest, str) and _HEX_DIGEST.fullmatch(digest)):
            raise ValueError(
                f"{source} has {digest!r} for {name}, which is not a SHA-256 digest (64 "
                "lowercase hexadecimal digits).")
    return dict(hashes)


def folder_size(folder: str | os.PathLike) -> int:
    """Bytes of the model files in ``folder`` (what ``du -sb`` counts, less the directory)."""
    return sum(os.path.getsize(os.path.join(folder, n)) for n in MODEL_FILES
               if os.path.isfile(os.path.join(folder, n)))


def _version():
    from lsa_keras import __version__

    return __version__


def save_pretrained(model: LSA, folder: str | os.PathLike, metadata: dict | None = None, *,
                    weights_dtype: str = "float32", repo_id: str | None = None) -> str:
    """Write ``model`` as a pretrained folder (see the module docstring).

    Only what scoring and fine-tuning need is written: the optimizer's state (Adam's moments,
    twice the model's size) is left out; a training checkpoint keeps it
    (:mod:`lsa_keras.training.resumable`).

    Args:
        model: a calibrated :class:`lsa_keras.LSA`.
        folder: destination; created if needed, files of an earlier save are replaced.
        metadata: JSON-serialisable dict merged into ``metadata.json`` and shown on the model
            card: ``name``, ``zoo_name``, ``dataset``, ``normal_class``, ``metrics``
            (``auroc_ns``, ``auroc_llk``, ``auroc_rec``), ``schedule``, ``protocol``, ``data``...
        weights_dtype: ``"float32"`` (default) or ``"float16"``: store the network weights in
            half precision, halving the folder. They are loaded back into float32 variables;
            the scores move by what rounding the weights to float16 changes (see the zoo and
            Hub guide for measured AUROC changes). The score statistics and the threshold
            stay float32.
        repo_id: the Hub repository the folder is meant for; the model card's usage snippet
            loads ``hf://<repo_id>`` (default: the zoo name if the metadata has one, else a
            placeholder path).

    Returns:
        the folder path.

    Raises:
        ValueError: the model is not calibrated, ``weights_dtype`` is not one of
            ``WEIGHTS_DTYPES`` or the metadata cannot be stored as JSON.
    """
    from lsa_keras.hub import model_card

    check_calibrated(model, "save_pretrained")
    if weights_dtype not in WEIGHTS_DTYPES:
        raise ValueError(f"weights_dtype must be one of {WEIGHTS_DTYPES}, got {weights_dtype!r}.")
    serialized = keras.saving.serialize_keras_object(model)
    serialized.pop("compile_config", None)  # a pretrained model is for scoring or fine-tuning
    # A loaded model keeps its metadata (metrics, schedule) when saved or pushed again.
    meta = dict(getattr(model, "pretrained_metadata", None) or {})
    meta.pop("sha256", None)
    meta.update({
        "format": FORMAT, "lsa_keras_version": _version(), "keras_version": keras.__version__,
        "backend": keras.backend.backend(), "architecture": model.architecture,
        "image_shape": list(model.image_shape), "code_length": model.code_length,
        "bins": model.bins,
    })
    meta.update(metadata or {})
    meta["weights_dtype"] = weights_dtype
    json.dumps(meta)  # fail here, before anything is written, if it cannot be stored
    os.makedirs(folder, exist_ok=True)
    # Write everything into a sibling temporary folder, then move the files in: an interrupted
    # save never leaves a half-written weights file under the final name. The folder's name
    # carries this process' id, so that a later save removes the staging folders of saves
    # killed midway (their process is gone) and leaves those of one still writing.
    from lsa_keras.utils.temporaries import remove_orphaned_temporaries

    remove_orphaned_temporaries(folder)
    staging = tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", dir=folder)
    try:
        with open(os.path.join(staging, CONFIG_FILE), "w") as f:
            json.dump(serialized, f, indent=2)
        full = os.path.join(staging, "full.weights.h5")
        model.save_weights(full)
        write_inference_weights(full, os.path.join(staging, WEIGHTS_FILE), weights_dtype)
        os.remove(full)
        # The folder vouches for its own config and weights: load_folder checks these hashes
        # (the zoo registry pins all four files, this one included, on top).
        meta["sha256"] = {n: sha256(os.path.join(staging, n)) for n in (CONFIG_FILE, WEIGHTS_FILE)}
        with open(os.path.join(staging, METADATA_FILE), "w") as f:
            json.dump(meta, f, indent=2)
        with open(os.path.join(staging, CARD_FILE), "w") as f:
            f.write(model_card.render(meta, repo_id=repo_id))
        for name in MODEL_FILES:
            os.replace(os.path.join(staging, name), os.path.join(folder, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def check_calibrated(model: LSA, what: str) -> None:
    """Raise ``ValueError`` unless ``model`` is a calibrated LSA (``what`` names the caller)."""
    if not hasattr(model, "calibrated"):
        raise ValueError(f"{what} needs an lsa_keras LSA, got {type(model).__name__}.")
    if float(keras.ops.convert_to_numpy(model.calibrated)) != 1.0:
        raise ValueError(
            f"{what} needs a calibrated model so that it scores as soon as it is loaded: "
            "call model.calibrate(x_val) with normal validation images first."
        )


def write_inference_weights(source: str, target: str, weights_dtype: str = "float32") -> None:
    """Copy a Keras ``.weights.h5`` file without its optimizer state, float32 arrays of the
    networks cast to ``weights_dtype``.

    The layout is Keras' own (groups and attributes copied as they are), so
    ``model.load_weights`` and ``keras.saving.load_model`` read the result; Keras assigns
    float16 arrays to float32 variables by casting them.
    """
    import h5py

    dtype = np.dtype(weights_dtype)

    def copy(src, dst, cast, top):
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for name, item in src.items():
            if top and name == _OPTIMIZER:
                continue
            if isinstance(item, h5py.Group):
                copy(item, dst.create_group(name), cast and not (top and name == _OWN_VARIABLES),
                     False)
            else:
                data = item[()]
                if cast and isinstance(data, np.ndarray) and data.dtype == np.float32:
                    data = data.astype(dtype)
                out = dst.create_dataset(name, data=data)
                for key, value in item.attrs.items():
                    out.attrs[key] = value

    with h5py.File(source, "r") as src, h5py.File(target, "w") as dst:
        copy(src, dst, dtype != np.float32, True)


def load_folder(folder: str | os.PathLike, expected_sha256: dict[str, str] | None = None, *,
                trust_unverified: bool = False) -> LSA:
    """Load a pretrained folder written by :func:`save_pretrained` (or by lsa_keras 0.1.0).

    The folder must be verifiable: the SHA-256 of ``config.json`` and ``model.weights.h5`` must
    be known, from the ``sha256`` map ``save_pretrained`` writes into ``metadata.json`` or from
    ``expected_sha256``, and match the files. Every hash given is checked before the config is
    parsed or the weights are opened.

    Args:
        folder: the folder.
        expected_sha256: optional ``{file name: hex digest}`` (the zoo registry's ``files``);
            keys are names of :data:`MODEL_FILES`, digests 64 lowercase hex digits. A file that
            differs is refused.
        trust_unverified: load the folder even if the hashes of ``config.json`` or
            ``model.weights.h5`` are recorded nowhere (no ``metadata.json``, no ``sha256`` map,
            or one that leaves a file out; folders of lsa_keras 0.1.0). Only for folders from a
            source you trust: nothing then tells a corrupted or swapped file from the saved one.
            A hash that is given and differs is refused all the same.

    Raises:
        FileNotFoundError: a model file is missing.
        ValueError: the folder is unverifiable (and ``trust_unverified`` is False), a hash map
            is malformed (a key that is not a model file name, a digest that is not 64 hex
            digits), a file differs from its recorded SHA-256, is not a regular file, is larger
            than :func:`max_file_bytes`, is corrupt, describes something other than an
            lsa_keras LSA (or would run code to load, or sizes beyond
            :data:`MAX_CONFIG_INT` / :data:`MAX_CONFIG_FILTERS`), or holds NaN or infinite
            weights.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder}: no such folder. Pass a folder written by "
                                "model.save_pretrained(folder).")
    expected = _valid_hashes(expected_sha256, "expected_sha256") if expected_sha256 else {}
    # Opened (and closed) now so that a missing, special or oversized file is reported first.
    for name in VERIFIED_FILES:
        _open_model_file(folder, name).close()
    # Hashed once each, whichever source names them (a weights file can be gigabytes).
    digests = {}
    _check_hashes(folder, expected, "expected_sha256 (the zoo registry)", digests)
    metadata = _read_metadata(folder)
    metadata_path = os.path.join(folder, METADATA_FILE)
    recorded = metadata.get("sha256")
    recorded = _valid_hashes(recorded, f"the 'sha256' map of {metadata_path}") if recorded else {}
    unverified = [n for n in VERIFIED_FILES if n not in expected and n not in recorded]
    if unverified and not trust_unverified:
        why = ("there is no metadata.json" if not os.path.lexists(metadata_path) else
               "its metadata.json records no 'sha256' map" if not recorded else
               f"the 'sha256' map of its metadata.json leaves out {', '.join(unverified)}")
        raise ValueError(
            f"{folder} cannot be verified: {why}, so a corrupted or swapped "
            f"{' or '.join(unverified)} would go unnoticed. Save it again with "
            "model.save_pretrained(folder) (which records the hashes), or, for a folder from a "
            "source you trust (such as one of lsa_keras 0.1.0), pass trust_unverified=True.")
    _check_hashes(folder, recorded, metadata_path, digests)
    config_path = os.path.join(folder, CONFIG_FILE)
    _open_model_file(folder, CONFIG_FILE).close()  # missing: the folder's error
    config = read_json(config_path, MAX_TEXT_BYTES)
    if isinstance(config, dict) and config.get("format") == LEGACY_FORMAT and "model" in config:
        warnings.warn(
            f"{folder} is a pretrained folder of lsa_keras 0.1.0 (config.json wrapped in "
            "{'format', 'model'}, optimizer state in the weights); it loads, but this format "
            "will not be read by a later release. Save it again with model.save_pretrained() "
            "to convert it (and keras.saving.load_model can read it then).",
            DeprecationWarning, stacklevel=2)
        config = config["model"]
    if not (isinstance(config, dict) and isinstance(config.get("class_name"), str)
            and isinstance(config.get("config"), dict)):
        raise ValueError(
            f"{config_path} is not an lsa_keras pretrained config (a Keras serialisation of an "
            f"LSA, or the {LEGACY_FORMAT!r} wrapper of lsa_keras 0.1.0)."
        )
    _check_config_size(config, config_path)
    import lsa_keras  # noqa: F401  (registers the classes the config names)

    try:
        # safe_mode (Keras' default, spelled out): a config that would run code, such as a
        # Lambda layer's serialized bytecode, is refused rather than executed.
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as e:
        raise ValueError(
            f"{config_path} does not describe an lsa_keras model that can be loaded safely "
            f"({type(e).__name__}: {e})."
        ) from e
    if not hasattr(model, "calibrated"):
        raise ValueError(f"{config_path} describes a {type(model).__name__}, not an lsa_keras LSA.")
    weights_path = os.path.join(folder, WEIGHTS_FILE)
    # Checked again just before h5py opens it by name: a FIFO put there meanwhile would block.
    _open_model_file(folder, WEIGHTS_FILE).close()
    try:
        model.load_weights(weights_path)
    except Exception as e:  # h5py and Keras raise OSError, ValueError or KeyError here
        raise ValueError(
            f"{weights_path} could not be read ({type(e).__name__}: {e}); it is truncated, "
            "corrupt or belongs to another model. Delete it and download or save it again."
        ) from e
    # A NaN or infinite weight (a diverged run saved anyway, a hand-edited file whose hash was
    # recorded again) makes every score NaN: refuse it here rather than score garbage later.
    bad = [v.path for v, value in zip(model.weights, model.get_weights())
           if not np.isfinite(value).all()]
    if bad:
        raise ValueError(
            f"{weights_path} holds NaN or infinite values ({', '.join(bad[:3])}"
            f"{', ...' if len(bad) > 3 else ''}); a model with them cannot score. Delete it and "
            "download or train and save it again.")
    model.pretrained_metadata = metadata
    return model


def _check_config_size(config, path):
    """Refuse a config that would build more than :data:`MAX_CONFIG_LAYERS` objects, or holds
    an integer (a size or a shape) beyond :data:`MAX_CONFIG_INT` (``filters`` beyond
    :data:`MAX_CONFIG_FILTERS`); seeds are exempt. Walked with a stack: json hands over lists
    nested up to a thousand deep."""
    stack, objects = [((), config)], 0
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            objects += "class_name" in node
            if objects > MAX_CONFIG_LAYERS:
                raise ValueError(f"{path} describes more than {MAX_CONFIG_LAYERS} layers and "
                                 "objects; it is not an lsa_keras model's config.")
            stack.extend(((*where, k), v) for k, v in node.items() if k != "seed")
        elif isinstance(node, list):
            stack.extend(((*where, i), v) for i, v in enumerate(node))
        elif isinstance(node, int) and not isinstance(node, bool):
            limit, name = ((MAX_CONFIG_FILTERS, "MAX_CONFIG_FILTERS") if "filters" in where
                           else (MAX_CONFIG_INT, "MAX_CONFIG_INT"))
            if abs(node) > limit:
                raise ValueError(
                    f"{path} sets {'/'.join(map(str, where))} to {node}, beyond the {limit} "
                    "that lsa_keras builds from a config (sizes are allocated as the model is "
                    "built); it is corrupt or hostile. A custom network that needs more can "
                    f"raise lsa_keras.hub.pretrained.{name}.")


def _check_hashes(folder, expected, source, digests):
    """Refuse a file of ``folder`` whose SHA-256 is not ``expected``'s (already validated:
    its keys are model file names); ``digests`` caches the hashes computed."""
    for name, digest in expected.items():
        if name not in digests:
            digests[name] = _hash_model_file(folder, name)
        if digests[name] != digest:
            # The file's own digest is not printed: a model file may be a symlink (the Hub
            # cache is made of them) to a file the folder's author wants to learn about.
            raise ValueError(
                f"{os.path.join(folder, name)} has SHA-256 other than the {digest} that "
                f"{source} expects: the file is corrupt, truncated or was changed, so it is "
                "refused. Delete it and download or save it again."
            )


def _read_metadata(folder):
    path = os.path.join(folder, METADATA_FILE)
    if not os.path.lexists(path):
        return {}
    metadata = read_json(path, MAX_TEXT_BYTES)
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(metadata).__name__}.")
    return metadata


def download_command(repo_id: str, revision: str | None = None) -> str:
    """The ``hf download`` command (huggingface_hub's CLI) that pre-fetches a model."""
    return (f"hf download {repo_id}" + (f" --revision {revision}" if revision else "")
            + " " + " ".join(MODEL_FILES))


def _offline_help(repo_id, revision):
    return (
        f"Could not get the model files of {repo_id}@{revision} from the Hugging Face Hub or "
        f"its local cache. Without network, pre-fetch them on a connected machine with "
        f"`{download_command(repo_id, revision)}` (same HF_HOME or cache_dir), or pass the "
        "path of a local folder to from_pretrained; a zoo name also loads from a zoo built "
        "locally with `lsa-keras zoo build NAME`."
    )


def download(repo_id: str, revision: str = "main", cache_dir: str | None = None,
             local_files_only: bool = False, *, token: str | bool | None = None,
             force_download: bool = False) -> str:
    """Fetch a pretrained folder from the Hub into the Hugging Face cache; return its path.

    One ``snapshot_download`` of the model files (``allow_patterns``), so a warm cache works
    under ``HF_HUB_OFFLINE=1`` and the revision is resolved once.

    Raises:
        OSError: the files could not be fetched; the message names the ``hf download``
            command that pre-fetches them.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        folder = snapshot_download(
            repo_id, revision=revision, cache_dir=cache_dir, library_name=LIBRARY_NAME,
            library_version=_version(), local_files_only=local_files_only, token=token,
            force_download=force_download, allow_patterns=list(MODEL_FILES))
    except (HfHubHTTPError, OSError, ConnectionError, ValueError) as e:
        raise OSError(_offline_help(repo_id, revision) + f" ({type(e).__name__}: {e})") from e
    missing = [n for n in (CONFIG_FILE, WEIGHTS_FILE) if not os.path.isfile(os.path.join(folder, n))]
    if missing:
        raise OSError(f"{repo_id}@{revision} has no {', '.join(missing)}: it is not an lsa_keras "
                      "pretrained model repository.")
    return folder


def from_pretrained(name_or_path: str | os.PathLike, *, token: str | bool | None = None,
                    force_download: bool = False, revision: str | None = None,
                    cache_dir: str | None = None, local_files_only: bool = False,
                    trust_unverified: bool = False) -> LSA:
    """Load a pretrained LSA by zoo name, ``hf://org/repo[@revision]`` handle or local folder.

    Args:
        name_or_path: ``"mnist-7"`` (see ``lsa-keras zoo list``), ``"hf://org/repo"``,
            ``"hf://org/repo@<commit>"`` or a folder written by ``save_pretrained``. A zoo
            name always means the zoo entry, even if the working directory holds a folder of
            that name: write ``"./mnist-7"`` (or any path with a separator) for the folder.
        token: Hugging Face token for a private repository (default: the saved login).
        force_download: download the files again even if they are cached.
        revision: Hub revision (branch, tag or commit); zoo names default to the registry's
            pinned commit (and then check each file's SHA-256), handles to their
            ``@revision`` or ``"main"``.
        cache_dir: Hugging Face cache folder (default: the Hub's own).
        local_files_only: never use the network, only the cache (as ``HF_HUB_OFFLINE=1``).
        trust_unverified: load a folder whose hashes are recorded nowhere (see
            :func:`load_folder`), or a zoo name whose registry entry pins no hashes. Only for
            files from a source you trust; a hash that is recorded and differs is refused
            all the same.

    A zoo name is looked up first in the local zoo folder (``LSA_KERAS_ZOO_DIR``, default
    ``~/.cache/lsa_keras/zoo``) that ``lsa-keras zoo build`` fills, then on the Hub at the
    registry's pinned revision; either way its files must match the SHA-256 the registry
    (``files``) pins for them: ``zoo build`` and ``zoo publish`` record them. A folder or a
    handle must match the SHA-256 its ``metadata.json`` records for the config and the
    weights, which ``save_pretrained`` writes.

    Returns:
        a calibrated :class:`lsa_keras.LSA` with ``pretrained_metadata``.

    Raises:
        OSError: a Hub model could not be fetched (the message names the ``hf download``
            command), or a zoo name is neither built locally nor published.
        ValueError: an unknown zoo name (the message lists them), a malformed handle or
            registry entry, hashes that are missing (unless ``trust_unverified``) or
            malformed, or a file that fails its hash or cannot be loaded.
    """
    from lsa_keras.hub import zoo

    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"name_or_path must be a zoo name, 'hf://org/repo' or a folder path, got "
                        f"{type(name_or_path).__name__}.")
    name = os.fspath(name_or_path)
    if not isinstance(name, str):
        raise TypeError(f"name_or_path must be a text path, got {type(name).__name__}.")
    hub = {"cache_dir": cache_dir, "local_files_only": local_files_only, "token": token,
           "force_download": force_download}
    if name.startswith(HF_PREFIX):
        repo_id, _, handle_revision = name[len(HF_PREFIX):].partition("@")
        if repo_id.count("/") != 1:
            raise ValueError(f"expected hf://org/repo[@revision], got {name!r}.")
        return load_folder(download(repo_id, revision or handle_revision or "main", **hub),
                           trust_unverified=trust_unverified)
    path_like = (isinstance(name_or_path, os.PathLike) or os.sep in name
                 or (os.altsep and os.altsep in name) or name.startswith((".", "~")))
    # A bare name is a zoo name first: a folder of the same name in the working directory
    # must not stand in for the registry's pinned files.
    if not path_like and (name in zoo.available() or not os.path.exists(name)):
        return _from_zoo(name, zoo.entry(name), revision, trust_unverified, hub)
    if os.path.isdir(name):
        return load_folder(name, trust_unverified=trust_unverified)
    if os.path.exists(name):
        raise ValueError(f"{name} is a file; pass the folder that save_pretrained wrote.")
    raise FileNotFoundError(
        f"{name}: no such folder. Pass a folder written by save_pretrained, a zoo name "
        "(lsa-keras zoo list) or 'hf://org/repo'.")


def _from_zoo(name, entry, revision, trust_unverified, hub):
    """Load zoo name ``name`` (its registry ``entry``): the local zoo folder, else the Hub at
    the pinned revision; the files must match the registry's ``files``."""
    from lsa_keras.hub import zoo

    where = f"the zoo registry ({zoo.registry_path()}) entry of {name}"
    files = entry.get("files")
    files = _valid_hashes(files, f"'files' of {where}") if files else {}
    unpinned = [n for n in VERIFIED_FILES if n not in files]

    def refuse_unpinned(folder):
        if unpinned and not trust_unverified:
            raise ValueError(
                f"{where} pins no SHA-256 for {', '.join(unpinned)}, so {folder} cannot be "
                f"checked against it. Build it again with `lsa-keras zoo build {name}` (which "
                f"records the hashes), or pass trust_unverified=True to load it as it is if you "
                "trust how it was made.")

    local = os.path.join(zoo.zoo_dir(), name)
    if os.path.lexists(os.path.join(local, CONFIG_FILE)) and not hub["force_download"]:
        refuse_unpinned(local)
        return load_folder(local, files, trust_unverified=trust_unverified)
    pinned = entry.get("revision")
    if not pinned:
        raise OSError(
            f"{name} is not in the local zoo ({local}) and has not been published to the Hub "
            f"yet. Build it with `lsa-keras zoo build {name}`, or pass a folder."
        )
    repo_id = entry.get("repo_id")
    if not (isinstance(pinned, str) and isinstance(repo_id, str) and repo_id.count("/") == 1):
        raise ValueError(f"{where} is malformed: 'repo_id' must be 'org/name' and 'revision' "
                         f"a commit, got {repo_id!r} and {pinned!r}.")
    if revision in (None, pinned):
        refuse_unpinned(f"{repo_id}@{pinned}")
        return load_folder(download(repo_id, pinned, **hub), files,
                           trust_unverified=trust_unverified)
    # Another revision than the pinned one: the registry cannot vouch for it, its own
    # metadata.json must (as for an hf:// handle).
    return load_folder(download(repo_id, revision, **hub), trust_unverified=trust_unverified)


def push_to_hub(model: LSA, repo_id: str, token: str | None = None, private: bool = False,
                metadata: dict | None = None, commit_message: str = "Upload LSA model", *,
                weights_dtype: str = "float32"):
    """Upload the model's pretrained folder to ``repo_id`` on the Hub, creating the repo if
    needed.

    The model must be calibrated: that is checked, and the folder written, before anything is
    sent, so a model that cannot be published leaves no empty repository behind. The model
    card's usage snippet loads ``hf://<repo_id>``.

    Returns:
        huggingface_hub's ``CommitInfo`` (its ``oid`` is the commit to pin:
        ``from_pretrained(f"hf://{repo_id}@{info.oid}")``).
    """
    from huggingface_hub import HfApi

    check_calibrated(model, "push_to_hub")
    with tempfile.TemporaryDirectory() as tmp:
        save_pretrained(model, tmp, metadata, weights_dtype=weights_dtype, repo_id=repo_id)
        api = HfApi(token=token, library_name=LIBRARY_NAME, library_version=_version())
        api.create_repo(repo_id, private=private, exist_ok=True)
        return api.upload_folder(repo_id=repo_id, folder_path=tmp, commit_message=commit_message,
                                 allow_patterns=list(MODEL_FILES))
