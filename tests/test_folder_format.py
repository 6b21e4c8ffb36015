"""The pretrained folder in Keras' layout: keras.saving.load_model reads it, inference weights
only, float16 storage, 0.1.0 folders, the model card, `lsa-keras zoo list`."""

import json
import os
import shutil
import warnings

import h5py
import numpy as np
import pytest
import yaml

import lsa_keras
from lsa_keras import zoo
from lsa_keras.hub import model_card, pretrained
from lsa_keras.models.lsa import lsa_presets
from tests.helpers import lsa_keras_cmd, mnist_like, ok, tiny_lsa

# float16 weights move the scores of the tiny model by rounding only: NS (a sum of two
# min-max normalised scores, about 0..2 on the calibration images) by at most this much.
FLOAT16_NS_ATOL = 0.02


@pytest.fixture(scope="module")
def trained():
    """A compiled, briefly trained (so it has Adam's moments), calibrated tiny model."""
    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    model.calibrate(mnist_like(20, 1))
    return model, model.score(mnist_like(6, 2))


def h5_paths(path):
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: names.append((name, item.dtype))
                     if isinstance(item, h5py.Dataset) else None)
    return names


@pytest.mark.backend
def test_keras_load_model_scores_the_folder_as_from_pretrained(trained, tmp_path):
    import keras

    model, expected = trained
    folder = str(tmp_path / "demo")
    model.save_pretrained(folder)
    config = json.load(open(os.path.join(folder, "config.json")))
    assert config["class_name"] == "LSA" and "format" not in config  # Keras' own serialisation
    assert json.load(open(os.path.join(folder, "metadata.json")))["format"] == pretrained.FORMAT
    # Inference weights only: no optimizer group, although the model has been trained.
    assert model.optimizer is not None and model.optimizer.variables
    assert not any(name.startswith("optimizer") for name, _ in h5_paths(
        os.path.join(folder, "model.weights.h5")))
    via_keras = keras.saving.load_model(folder)
    via_lsa = lsa_keras.from_pretrained(folder)
    assert type(via_keras) is lsa_keras.LSA and via_keras.threshold_ == via_lsa.threshold_
    x = mnist_like(6, 2)
    a, b = via_keras.score(x), via_lsa.score(x)
    for k in ("llk", "rec", "ns"):
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_allclose(a[k], expected[k], rtol=1e-6, atol=0)


def write_0_1_0_folder(model, folder):
    """A folder as lsa_keras 0.1.0 wrote it: config.json wrapped in {"format", "model"}, the
    weights file with the optimizer's state, metadata with format /1 and the two hashes."""
    import keras

    os.makedirs(folder)
    serialized = keras.saving.serialize_keras_object(model)
    serialized.pop("compile_config", None)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"format": pretrained.LEGACY_FORMAT, "model": serialized}, f, indent=2)
    model.save_weights(os.path.join(folder, "model.weights.h5"))
    meta = {"format": pretrained.LEGACY_FORMAT, "lsa_keras_version": "0.1.0", "name": "old",
            "sha256": {n: pretrained.sha256(os.path.join(folder, n))
                       for n in ("config.json", "model.weights.h5")}}
    with open(os.path.join(folder, "metadata.json"), "w") as f:
        json.dump(meta, f)


def test_a_0_1_0_folder_loads_with_a_deprecation_warning(trained, tmp_path):
    model, expected = trained
    old = str(tmp_path / "old")
    write_0_1_0_folder(model, old)
    assert any(name.startswith("optimizer") for name, _ in h5_paths(
        os.path.join(old, "model.weights.h5")))
    with pytest.warns(DeprecationWarning, match="lsa_keras 0.1.0.*save_pretrained"):
        loaded = lsa_keras.from_pretrained(old)
    got = loaded.score(mnist_like(6, 2))
    for k in ("llk", "rec", "ns"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=0)
    # Saved again, it is a current folder, a third of the size, without a warning.
    new = str(tmp_path / "new")
    loaded.save_pretrained(new)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        lsa_keras.from_pretrained(new)
    assert (os.path.getsize(os.path.join(new, "model.weights.h5"))
            < 0.5 * os.path.getsize(os.path.join(old, "model.weights.h5")))


@pytest.mark.backend
def test_float16_folder_is_about_half_the_size_and_scores_close(trained, tmp_path):
    import keras

    model, expected = trained
    f32, f16 = str(tmp_path / "f32"), str(tmp_path / "f16")
    model.save_pretrained(f32)
    model.save_pretrained(f16, weights_dtype="float16")
    ratio = pretrained.folder_size(f16) / pretrained.folder_size(f32)
    assert 0.45 < ratio < 0.6, ratio
    dtypes = dict(h5_paths(os.path.join(f16, "model.weights.h5")))
    # Network weights in half precision; the score statistics and threshold stay float32.
    assert {str(d) for name, d in dtypes.items() if not name.startswith("vars/")} == {"float16"}
    assert {str(d) for name, d in dtypes.items() if name.startswith("vars/")} == {"float32"}
    loaded = lsa_keras.from_pretrained(f16)
    assert loaded.pretrained_metadata["weights_dtype"] == "float16"
    assert {v.dtype for v in loaded.weights} == {"float32"}  # loaded into float32 variables
    assert loaded.threshold_ == model.threshold_
    got = loaded.score(mnist_like(6, 2))
    np.testing.assert_allclose(got["ns"], expected["ns"], atol=FLOAT16_NS_ATOL)
    np.testing.assert_allclose(got["rec"], expected["rec"], rtol=1e-2)
    via_keras = keras.saving.load_model(f16).score(mnist_like(6, 2))
    np.testing.assert_array_equal(via_keras["ns"], got["ns"])
    with pytest.raises(ValueError, match="weights_dtype must be one of"):
        model.save_pretrained(str(tmp_path / "bf"), weights_dtype="bfloat16")


def test_model_card_of_a_below_chance_model_says_so(trained, tmp_path):
    model, _ = trained
    folder = str(tmp_path / "demo")  # the folder's name never reaches the usage snippet
    meta = {"name": "cifar10-1", "zoo_name": "cifar10-1", "dataset": "cifar10",
            "normal_class": 1, "normal_class_name": "automobile",
            "metrics": {"auroc_ns": 0.45, "auroc_llk": 0.4928, "auroc_rec": 0.4006}}
    model.save_pretrained(folder, meta)
    text = open(os.path.join(folder, "README.md")).read()
    assert "does not separate its normal class (automobile) from the other classes of " \
           "CIFAR-10" in text and "0.450, is below chance" in text
    assert "from_pretrained('cifar10-1')" in text and "'demo'" not in text
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["model-index"][0]["results"][0]["metrics"][0]["value"] == 0.45
    # Pushed to a repo, the snippet names it; a model above chance has no warning.
    good = dict(meta, metrics={"auroc_ns": 0.97})
    pushed = model_card.render(good, repo_id="org/mnist-7")
    assert "from_pretrained('hf://org/mnist-7')" in pushed and "below chance" not in pushed


def test_zoo_list_shows_every_name_metrics_status_and_below_chance(tmp_path, monkeypatch, trained):
    registry = tmp_path / "presets.json"
    shutil.copy(zoo.registry_path(), registry)
    monkeypatch.setenv(zoo.REGISTRY_ENV, str(registry))
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    lsa_presets.update_preset("mnist-5", revision="a" * 40, files={"config.json": "0"})
    trained[0].save_pretrained(str(tmp_path / "zoo" / "mnist-6"))
    lines = ok(lsa_keras_cmd("zoo", "list")).stdout.splitlines()
    rows = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in
            zoo.available()}
    assert sorted(rows) == zoo.available() and len(rows) >= 20
    for name in rows:
        metrics = zoo.entry(name).get("metrics")
        if not metrics:  # a recipe-only preset (no model built from it)
            continue
        assert f"{metrics['auroc_ns']:.3f}" in rows[name] and f"{metrics['auroc_rec']:.3f}" in rows[name]
    assert rows["mnist-5"].endswith(f"published lsa-keras/lsa-mnist-5@{'a' * 8}")
    assert rows["mnist-6"].endswith("built here")
    assert rows["mnist-7"].endswith("neither built here nor published")
    below = sorted(n for n, line in rows.items() if "[below chance]" in line)
    assert below == ["cifar10-1", "cifar10-7", "cifar10-9"]
    warnings_ = [line for line in lines if line.startswith("warning: ")]
    assert [w.split()[1] for w in warnings_] == ["cifar10-1:", "cifar10-7:", "cifar10-9:"]
    assert "0.450, is below chance" in warnings_[0]
