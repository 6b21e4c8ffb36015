"""The presets of LSA: the shipped preset file, what it registers as ``LSA.presets``, and a
preset loaded by its name."""

import os

import pytest

from lsa_keras import LSA, zoo
from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets
from tests.test_case import (
    TINY_METRICS, calibrated_tiny_lsa, mnist_like, run_preset_test, save_tiny_pretrained,
)


@pytest.fixture
def tiny_zoo(tmp_path, monkeypatch):
    """A preset file with one preset, ``tiny-7``, built into an empty local zoo; the Hub
    offline. The model's scores of ``mnist_like(6, 2)``."""
    import huggingface_hub.constants

    path = str(tmp_path / "presets.json")
    lsa_presets.save_presets({"recipes": {"mnist": lsa_presets.recipe("mnist")}, "presets": {
        "tiny-7": {"recipe": "mnist", "normal_class": 7, "normal_class_name": "7",
                   "repo_id": "org/tiny-7", "revision": None, "files": {},
                   "metrics": TINY_METRICS},
    }}, path)
    monkeypatch.setenv(zoo.REGISTRY_ENV, path)
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    model, scores = calibrated_tiny_lsa()
    folder = save_tiny_pretrained(model, str(tmp_path / "zoo" / "tiny-7"))
    # Pinned, as `lsa-keras zoo build` pins the folder it writes: a zoo name loads only that.
    lsa_presets.update_preset("tiny-7", files={
        n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES})
    return scores


def test_shipped_registry_covers_both_datasets():
    names = zoo.available()
    assert names == sorted([f"mnist-{c}" for c in range(10)] + [f"cifar10-{c}" for c in range(10)])
    assert zoo.entry("cifar10-3")["normal_class_name"] == "cat"
    for dataset in ("mnist", "cifar10"):
        assert zoo.recipe(dataset)["schedule"]["checkpoint"] == "lowest validation loss"


def test_lsa_presets_are_the_preset_files_entries(tiny_zoo):
    # Read on each access: the file named by the environment, not the shipped one.
    assert LSA.presets == {"tiny-7": zoo.entry("tiny-7")}
    assert LSA.presets["tiny-7"]["recipe"] == "mnist"
    assert LSA.presets["tiny-7"]["metrics"] == TINY_METRICS


def test_a_preset_loads_by_name_with_its_metadata_and_scores(tiny_zoo):
    run_preset_test("tiny-7", mnist_like(6, 2), expected_scores=tiny_zoo,
                    expected_metadata={"name": "tiny-7", "dataset": "mnist", "normal_class": 7,
                                       "metrics": TINY_METRICS})
