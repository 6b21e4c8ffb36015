"""The presets of LSA: the pretrained zoo's data, read from one file.

The file (``presets.json`` of the ``lsa_keras.zoo`` data package, or the file named by
``LSA_KERAS_ZOO_REGISTRY``) holds

- ``recipes``: per dataset, how its presets are trained: ``architecture``, ``model`` settings
  (``code_length``, ``bins``, ``estimator_units``, ``lam``), ``schedule`` (``epochs``,
  ``batch_size``, ``learning_rate``, ``schedule``, ``optimizer``, ``checkpoint``),
  ``weight_seed`` and ``calibration`` (``fpr`` of the threshold);
- ``presets``: per zoo name (``mnist-0`` ... ``cifar10-9``): its ``recipe``, ``normal_class``
  and ``normal_class_name``, the Hub ``repo_id``, the pinned ``revision`` (``None`` until
  published), ``files``: the SHA-256 of each model file, keyed by file name (``{}`` until
  built or published; ``from_pretrained`` loads a zoo name only if its files match them), the
  ``metrics`` measured when it was built and its folder's ``size_bytes`` (set by ``lsa-keras
  zoo build``, which pins the files of the local folder it built, and ``zoo publish``, which
  pins the commit and its files). A preset trained with another schedule than its recipe's
  records it in ``schedule``.
"""

import json
import os
import re
from typing import Any

FORMAT = "lsa_keras.presets/1"
PRESETS_ENV = "LSA_KERAS_ZOO_REGISTRY"
PRESETS_FILE = "presets.json"


def presets_path() -> str:
    """The preset file: ``$LSA_KERAS_ZOO_REGISTRY`` if set, else the one installed with
    ``lsa_keras.zoo``."""
    if os.environ.get(PRESETS_ENV):
        return os.environ[PRESETS_ENV]
    import lsa_keras.zoo

    return os.path.join(os.path.dirname(os.path.abspath(lsa_keras.zoo.__file__)), PRESETS_FILE)


# The preset file is read whole; the shipped one is about 20 KB.
MAX_PRESETS_BYTES = 16 * 2**20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def load_presets(path: str | None = None) -> dict[str, Any]:
    """The whole preset file: ``{"format", "recipes", "presets"}``.

    Raises:
        FileNotFoundError: if the file is missing.
        ValueError: if it is not valid JSON, not a preset file (``recipes`` and ``presets``
            objects, each entry an object), not a regular file or larger than
            ``MAX_PRESETS_BYTES``.
    """
    from lsa_keras.utils.bounded_files import read_json

    path = path or presets_path()
    try:
        data = read_json(path, MAX_PRESETS_BYTES)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"preset file {path} is missing.") from e
    except ValueError as e:
        raise ValueError(f"preset file {path} cannot be used: {e}") from e
    if not isinstance(data, dict) or not {"recipes", "presets"} <= set(data):
        raise ValueError(f"{path} is not a preset file (it needs 'recipes' and 'presets').")
    for part in ("recipes", "presets"):
        if not isinstance(data[part], dict):
            raise ValueError(f"{path} is not a preset file: {part!r} must be an object.")
        bad = sorted(str(k) for k, v in data[part].items() if not isinstance(v, dict))
        if bad:
            raise ValueError(f"{path} is not a preset file: the {part} {', '.join(bad)} are "
                             "not objects.")
    # A zoo name becomes a folder name (<zoo dir>/<name>): no separators, no "..".
    bad = sorted(repr(n) for n in data["presets"] if not _NAME.fullmatch(n))
    if bad:
        raise ValueError(f"{path} has preset names that are not plain names (letters, digits, "
                         f"'.', '_' and '-', starting with a letter or digit): {', '.join(bad)}.")
    return data


def save_presets(data: dict[str, Any], path: str | None = None) -> None:
    """Write a preset file atomically (a crash never leaves half a file), names sorted."""
    from lsa_keras.utils.atomic import write_text_atomically

    out = {"format": FORMAT, "recipes": dict(sorted(data["recipes"].items())),
           "presets": dict(sorted(data["presets"].items()))}
    write_text_atomically(path or presets_path(), json.dumps(out, indent=2) + "\n")


def recipe_schedule(recipe: dict[str, Any]) -> dict[str, Any]:
    """The schedule a preset of ``recipe`` records: the recipe's schedule and the model's
    ``lam``."""
    return {**recipe["schedule"], "lam": recipe["model"]["lam"]}


def recipe(dataset: str) -> dict[str, Any]:
    """The training recipe of a dataset's presets, with its ``dataset`` name.

    Raises:
        ValueError: if no recipe has that name.
    """
    recipes = load_presets()["recipes"]
    if dataset not in recipes:
        raise ValueError(f"No zoo recipe for {dataset!r}; recipes: {', '.join(sorted(recipes))}.")
    return {"dataset": dataset, **recipes[dataset]}


def available_presets() -> list[str]:
    """Sorted preset (zoo) names."""
    return sorted(load_presets()["presets"])


def preset(name: str) -> dict[str, Any]:
    """A preset's entry with its ``name``, ``dataset`` (the recipe's name) and ``schedule``.

    Raises:
        ValueError: if ``name`` is not a preset; the message lists the names.
    """
    data = load_presets()
    presets = data["presets"]
    if name not in presets:
        raise ValueError(
            f"Unknown pretrained model {name!r}. Zoo names: {', '.join(sorted(presets))}. "
            "Other sources: a folder written by save_pretrained, or 'hf://org/repo'."
        )
    entry = presets[name]
    recipe_name = entry.get("recipe")
    if not isinstance(recipe_name, str) or recipe_name not in data["recipes"]:
        raise ValueError(
            f"preset {name!r} of {presets_path()} names the recipe {recipe_name!r}, which is "
            f"not one of its recipes ({', '.join(sorted(data['recipes']))}); fix the file.")
    schedule = entry.get("schedule")
    if not schedule:
        try:
            schedule = recipe_schedule(data["recipes"][recipe_name])
        except (KeyError, TypeError) as e:
            raise ValueError(f"recipe {recipe_name!r} of {presets_path()} lacks its schedule or "
                             f"its model's 'lam' ({type(e).__name__}: {e}); fix the file.") from e
    return {**entry, "name": name, "dataset": recipe_name, "schedule": schedule}


def update_preset(name: str, **fields: Any) -> dict[str, Any]:
    """Set ``fields`` of preset ``name`` in the preset file; returns the updated entry.

    A ``schedule`` equal to the recipe's is not stored (the recipe holds it). The file is
    read, changed and written back under a lock (:func:`lsa_keras.utils.file_lock.locked`), so
    processes that update it at once (the jobs of ``lsa-keras zoo build --shard``) each keep
    their change.

    Raises:
        ValueError: if ``name`` is not a preset.
    """
    from lsa_keras.utils.file_lock import locked

    preset(name)  # raises with the list of names
    path = presets_path()
    with locked(path):
        data = load_presets(path)
        entry = data["presets"][name]
        entry.update(fields)
        if entry.get("schedule") == recipe_schedule(data["recipes"][entry["recipe"]]):
            entry.pop("schedule")
        save_presets(data, path)
    return preset(name)


class _PresetNames:
    """``LSA.presets``: read from the preset file on each access, so a changed file (or
    ``LSA_KERAS_ZOO_REGISTRY``) shows at once."""

    def __get__(self, instance, owner):
        return {name: preset(name) for name in available_presets()}


def register_presets(cls: type) -> type:
    """Give ``cls`` a ``presets`` attribute: ``{name: entry}`` of every preset."""
    cls.presets = _PresetNames()
    return cls
