"""The pretrained zoo: its registry, recipes and the commands that build and publish it.

Installed as ``lsa_keras.zoo`` (the ``zoo/`` folder of the repository). ``registry.json`` maps
each zoo name (``mnist-0`` ... ``cifar10-9``) to its Hub repository, the pinned revision and the
SHA-256 of every file (filled in by ``python -m lsa_keras.zoo.publish``) and the AUROC measured
when it was built (``python -m lsa_keras.zoo.build``). ``recipes/<dataset>.json`` holds the
schedule each preset is trained with.
"""

import json
import os

REGISTRY_ENV = "LSA_KERAS_ZOO_REGISTRY"
ZOO_DIR_ENV = "LSA_KERAS_ZOO_DIR"
_HERE = os.path.dirname(os.path.abspath(__file__))


def registry_path():
    """The registry file: ``LSA_KERAS_ZOO_REGISTRY`` if set, else the one shipped here."""
    return os.environ.get(REGISTRY_ENV) or os.path.join(_HERE, "registry.json")


def load_registry(path=None):
    path = path or registry_path()
    try:
        with open(path) as f:
            registry = json.load(f)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"zoo registry {path} is missing.") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"zoo registry {path} is not valid JSON: {e}.") from e
    return registry["models"]


def save_registry(models, path=None):
    """Write the registry atomically (a crash never leaves half a file)."""
    from lsa_keras.atomic import write_text_atomically

    write_text_atomically(path or registry_path(), json.dumps(
        {"format": "lsa_keras.zoo/1", "models": dict(sorted(models.items()))}, indent=2) + "\n")


def available():
    """Sorted zoo names."""
    return sorted(load_registry())


def entry(name):
    """The registry entry of ``name``; an unknown name raises with the list of names."""
    models = load_registry()
    if name not in models:
        raise ValueError(
            f"Unknown pretrained model {name!r}. Zoo names: {', '.join(sorted(models))}. "
            "Other sources: a folder written by save_pretrained, or 'hf://org/repo'."
        )
    return dict(models[name], name=name)


def zoo_dir(override=None):
    """Folder of the locally built zoo: ``override``, ``LSA_KERAS_ZOO_DIR`` or the user cache."""
    if override:
        return os.fspath(override)
    if os.environ.get(ZOO_DIR_ENV):
        return os.environ[ZOO_DIR_ENV]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "lsa_keras", "zoo")


def recipe(dataset):
    """The training recipe of a dataset's presets."""
    path = os.path.join(_HERE, "recipes", f"{dataset}.json")
    if not os.path.isfile(path):
        names = sorted(n[:-5] for n in os.listdir(os.path.join(_HERE, "recipes")))
        raise ValueError(f"No zoo recipe for {dataset!r}; recipes: {', '.join(names)}.")
    with open(path) as f:
        return json.load(f)
