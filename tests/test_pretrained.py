import json
import os
import shutil

import numpy as np
import pytest
import yaml

import lsa_keras
from lsa_keras import zoo
from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets
from tests.helpers import mnist_like, tiny_lsa

COMMIT = "0123456789abcdef0123456789abcdef01234567"
METRICS = {"auroc_ns": 0.9123, "auroc_llk": 0.8, "auroc_rec": 0.85}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A briefly trained, calibrated tiny model saved with save_pretrained, and its scores."""
    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    model.calibrate(mnist_like(20, 1))
    folder = str(tmp_path_factory.mktemp("pretrained") / "tiny-7")
    model.save_pretrained(folder, {"name": "tiny-7", "dataset": "mnist", "normal_class": 7,
                                   "metrics": METRICS, "schedule": {"epochs": 1}})
    return folder, model.score(mnist_like(6, 2))


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


def test_model_card_front_matter_is_yaml_with_metrics(saved):
    text = open(os.path.join(saved[0], "README.md")).read()
    assert text.startswith("---\n")
    card = yaml.safe_load(text.split("---\n")[1])
    assert card["library_name"] == "lsa_keras" and card["datasets"] == ["mnist"]
    metrics = card["model-index"][0]["results"][0]["metrics"]
    assert {m["name"]: m["value"] for m in metrics} == {
        "AUROC (NS, novelty score)": 0.9123, "AUROC (LLK, surprisal)": 0.8,
        "AUROC (REC, reconstruction error)": 0.85}
    # The usage snippet never names the folder it was saved in: no repo id, no zoo name here.
    assert "from_pretrained('tiny-7')" not in text and '"epochs": 1' in text
    assert "from_pretrained('path/to/this/folder')" in text


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
