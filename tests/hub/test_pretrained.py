"""The pretrained folder (save_pretrained, from_pretrained, push_to_hub): Keras' layout that
keras.saving.load_model reads, inference weights only, float16 storage, 0.1.0 folders, hashes,
the zoo name and Hub handle resolution offline, atomic saves."""

import json
import os
import shutil
import warnings

import h5py
import numpy as np
import pytest

import lsa_keras
from lsa_keras import zoo
from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets
from tests.test_case import TINY_METRICS, mnist_like, tiny_lsa

COMMIT = "0123456789abcdef0123456789abcdef01234567"
METRICS = TINY_METRICS
# float16 weights move the scores of the tiny model by rounding only: NS (a sum of two
# min-max normalised scores, about 0..2 on the calibration images) by at most this much.
FLOAT16_NS_ATOL = 0.02


def assert_same_scores(model, expected):
    got = model.score(mnist_like(6, 2))
    for k in expected:
        # Same weights, same inputs; a float32 reduction may still differ in its last bit when
        # the machine is busy (seen under `pytest -n 2` next to a training job: 1.5e-5 on ~200),
        # while a wrong or missing weight moves the scores by far more than this.
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=0)


def warm_hf_cache(cache_dir, repo_id, folder, revision=COMMIT, branch="main"):
    """Lay ``folder``'s files out as huggingface_hub's cache does after a download."""
    repo = os.path.join(cache_dir, "models--" + repo_id.replace("/", "--"))
    snapshot = os.path.join(repo, "snapshots", revision)
    os.makedirs(snapshot)
    os.makedirs(os.path.join(repo, "blobs"))
    for name in pretrained.MODEL_FILES:
        blob = os.path.join(repo, "blobs", pretrained.sha256(os.path.join(folder, name)))
        shutil.copy(os.path.join(folder, name), blob)
        os.symlink(os.path.relpath(blob, snapshot), os.path.join(snapshot, name))
    os.makedirs(os.path.join(repo, "refs"))
    with open(os.path.join(repo, "refs", branch), "w") as f:
        f.write(revision)
    return snapshot


@pytest.fixture
def registry(tmp_path, monkeypatch, saved):
    """A registry with one published model, an empty local zoo and the Hub in offline mode."""
    import huggingface_hub.constants

    folder, _ = saved
    files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    path = tmp_path / "presets.json"
    lsa_presets.save_presets({"recipes": {"mnist": lsa_presets.recipe("mnist")}, "presets": {
        "tiny-7": {"recipe": "mnist", "normal_class": 7, "repo_id": "org/tiny-7",
                   "revision": COMMIT, "files": files, "metrics": METRICS},
        "tiny-8": {"recipe": "mnist", "normal_class": 8, "repo_id": "org/tiny-8",
                   "revision": None, "files": {}, "metrics": None},
    }}, str(path))
    monkeypatch.setenv(zoo.REGISTRY_ENV, str(path))
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return path


@pytest.mark.backend
def test_save_pretrained_round_trip(saved):
    folder, expected = saved
    assert sorted(os.listdir(folder)) == sorted(pretrained.MODEL_FILES)
    model = lsa_keras.from_pretrained(folder)
    assert_same_scores(model, expected)  # statistics and threshold travelled with the weights
    assert model.pretrained_metadata["metrics"] == METRICS
    assert model.pretrained_metadata["normal_class"] == 7


def test_zoo_name_from_warm_cache_offline(tmp_path, registry, saved):
    folder, expected = saved
    cache = str(tmp_path / "hf")
    warm_hf_cache(cache, "org/tiny-7", folder)
    assert_same_scores(lsa_keras.from_pretrained("tiny-7", cache_dir=cache), expected)
    # A handle, resolved through the cached refs/main.
    assert_same_scores(lsa_keras.from_pretrained("hf://org/tiny-7", cache_dir=cache), expected)


def test_hash_mismatch_is_refused(tmp_path, registry, saved):
    folder, _ = saved
    cache = str(tmp_path / "hf")
    snapshot = warm_hf_cache(cache, "org/tiny-7", folder)
    target = os.path.realpath(os.path.join(snapshot, "metadata.json"))
    meta = json.load(open(target))
    meta["metrics"]["auroc_ns"] = 0.999
    with open(target, "w") as f:
        json.dump(meta, f)
    with pytest.raises(ValueError, match="SHA-256.*refused"):
        lsa_keras.from_pretrained("tiny-7", cache_dir=cache)


def test_truncated_or_tampered_weights_fail_their_sha256(tmp_path, saved):
    folder = str(tmp_path / "copy")
    shutil.copytree(saved[0], folder)
    weights = os.path.join(folder, "model.weights.h5")
    data = open(weights, "rb").read()
    with open(weights, "wb") as f:
        f.write(data[: len(data) // 3])
    with pytest.raises(ValueError, match="model.weights.h5 has SHA-256.*truncated"):
        lsa_keras.from_pretrained(folder)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0xFF  # same length, one byte changed
    with open(weights, "wb") as f:
        f.write(bytes(tampered))
    with pytest.raises(ValueError, match="model.weights.h5 has SHA-256.*refused"):
        lsa_keras.from_pretrained(folder)
    # A folder without recorded hashes still fails clearly on a truncated file.
    meta_path = os.path.join(folder, "metadata.json")
    meta = json.load(open(meta_path))
    del meta["sha256"]
    json.dump(meta, open(meta_path, "w"))
    with open(weights, "wb") as f:
        f.write(data[: len(data) // 3])
    with pytest.raises(ValueError, match="could not be read.*truncated"):
        lsa_keras.from_pretrained(folder)


def test_a_config_that_would_run_code_is_refused(tmp_path, saved):
    import keras

    folder = str(tmp_path / "evil")
    shutil.copytree(saved[0], folder)
    marker = tmp_path / "ran"
    # The path is a literal in the function's code, as an attacker's would be.
    evil = keras.layers.Lambda(eval(f"lambda x: open({str(marker)!r}, 'w') and x"))
    config = keras.saving.serialize_keras_object(evil)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    meta_path = os.path.join(folder, "metadata.json")
    meta = json.load(open(meta_path))
    meta["sha256"]["config.json"] = pretrained.sha256(os.path.join(folder, "config.json"))
    json.dump(meta, open(meta_path, "w"))
    with pytest.raises(ValueError, match="loaded safely.*safe_mode"):
        lsa_keras.from_pretrained(folder)
    assert not marker.exists()


def test_loading_never_unpickles(monkeypatch, saved):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used while loading")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert_same_scores(lsa_keras.from_pretrained(saved[0]), saved[1])
    from lsa_keras.datasets import load_mnist_sample

    load_mnist_sample()


def test_unknown_name_lists_the_zoo():
    with pytest.raises(ValueError, match="Unknown pretrained model 'mnist-70'.*mnist-7"):
        lsa_keras.from_pretrained("mnist-70")


def test_offline_cold_cache_says_how_to_prefetch(tmp_path, registry):
    with pytest.raises(OSError, match="`hf download org/tiny-7 --revision " + COMMIT):
        lsa_keras.from_pretrained("tiny-7", cache_dir=str(tmp_path / "cold"))


def test_unpublished_name_points_at_the_zoo_build(registry):
    with pytest.raises(OSError, match="lsa-keras zoo build tiny-8"):
        lsa_keras.from_pretrained("tiny-8")


def test_local_zoo_folder_is_used_first(tmp_path, registry, saved):
    folder, expected = saved
    shutil.copytree(folder, tmp_path / "zoo" / "tiny-8")
    assert_same_scores(lsa_keras.from_pretrained("tiny-8"), expected)


def test_uncalibrated_model_is_not_saved(tmp_path):
    with pytest.raises(ValueError, match="calibrate"):
        tiny_lsa().save_pretrained(str(tmp_path / "m"))
    assert not os.path.exists(tmp_path / "m" / "model.weights.h5")


def test_push_to_hub_creates_repo_and_uploads_the_folder(monkeypatch, saved):
    import huggingface_hub

    calls = []

    class RecordingApi:  # stands in for the Hub, which this machine cannot reach
        def __init__(self, **kwargs):
            calls.append(("init", kwargs))

        def create_repo(self, repo_id, private, exist_ok):
            calls.append(("create_repo", repo_id, private, exist_ok))

        def upload_folder(self, repo_id, folder_path, commit_message, allow_patterns):
            calls.append(("upload_folder", repo_id, sorted(os.listdir(folder_path))))
            return "commit-info"

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    model = lsa_keras.from_pretrained(saved[0])
    assert model.push_to_hub("org/tiny-7", token="t", private=True) == "commit-info"
    assert calls[0][1]["token"] == "t" and calls[0][1]["library_name"] == "lsa_keras"
    assert calls[1] == ("create_repo", "org/tiny-7", True, True)
    assert calls[2] == ("upload_folder", "org/tiny-7", sorted(pretrained.MODEL_FILES))


def test_an_interrupted_save_leaves_the_previous_folder_intact(tmp_path, saved, monkeypatch):
    folder = str(tmp_path / "m")
    shutil.copytree(saved[0], folder)
    before = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    model = lsa_keras.from_pretrained(folder)

    def crash(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a weights file")
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "save_weights", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save_pretrained(folder)
    assert sorted(os.listdir(folder)) == sorted(pretrained.MODEL_FILES)  # no staging left
    assert {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES} == before
    assert_same_scores(lsa_keras.from_pretrained(folder), saved[1])


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
