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
    # A folder without recorded hashes is refused; trusted, it still fails clearly on a
    # truncated file.
    meta_path = os.path.join(folder, "metadata.json")
    meta = json.load(open(meta_path))
    del meta["sha256"]
    json.dump(meta, open(meta_path, "w"))
    with open(weights, "wb") as f:
        f.write(data[: len(data) // 3])
    with pytest.raises(ValueError, match="cannot be verified.*trust_unverified=True"):
        lsa_keras.from_pretrained(folder)
    with pytest.raises(ValueError, match="could not be read.*truncated"):
        lsa_keras.from_pretrained(folder, trust_unverified=True)


def flipped_copy(saved, tmp_path, name="copy"):
    """A copy of the saved folder with one byte of the weights' data flipped (the file still
    loads, and scores differently); the folder and its metadata path."""
    folder = str(tmp_path / name)
    shutil.copytree(saved[0], folder)
    weights = os.path.join(folder, "model.weights.h5")
    with h5py.File(weights, "r+") as f:  # a weight's value, not HDF5's structure
        name = next(n for n, _ in h5_paths(weights) if not n.startswith("vars"))
        f[name][(0,) * f[name].ndim] += 1.0
    return folder, os.path.join(folder, "metadata.json")


@pytest.mark.parametrize("hashes", ["deleted", "empty", "no metadata.json", "weights left out"])
def test_a_folder_without_verifiable_hashes_is_refused_unless_trusted(tmp_path, saved, hashes):
    """Issue 33: without the metadata's sha256 map, a tampered weights file loaded and scored
    differently. Now the folder is refused unless the caller opts in."""
    folder, meta_path = flipped_copy(saved, tmp_path)
    meta = json.load(open(meta_path))
    if hashes == "no metadata.json":
        os.remove(meta_path)
    else:
        if hashes == "deleted":
            del meta["sha256"]
        else:
            meta["sha256"] = {} if hashes == "empty" else {
                "config.json": meta["sha256"]["config.json"]}
        json.dump(meta, open(meta_path, "w"))
    missing = {"no metadata.json": "there is no metadata.json",
               "weights left out": "leaves out model.weights.h5"}.get(hashes, "no 'sha256' map")
    for load in (lsa_keras.from_pretrained, pretrained.load_folder,
                 lsa_keras.LSADetector.from_pretrained):
        with pytest.raises(ValueError, match=f"cannot be verified: .*{missing}.*"
                                             "save_pretrained.*trust_unverified=True"):
            load(folder)
    if hashes == "deleted":  # opted in, it loads (and the flipped weight shows in the scores)
        model = lsa_keras.from_pretrained(folder, trust_unverified=True)
        assert np.abs(model.score(mnist_like(6, 2))["ns"] - saved[1]["ns"]).max() > 0
    # Caller-given hashes verify it as well, and refuse the flipped weights.
    with pytest.raises(ValueError, match="model.weights.h5 has SHA-256.*expected_sha256"):
        pretrained.load_folder(folder, {n: pretrained.sha256(os.path.join(saved[0], n))
                                        for n in ("config.json", "model.weights.h5")})


@pytest.mark.parametrize("key", ["../../outside.bin", "/etc/hostname", "sub/config.json",
                                 "unknown.bin", "", "config.json/"])
def test_sha256_keys_are_file_names_not_paths(tmp_path, saved, key):
    """Issue 33: a key ../../outside.bin or /etc/hostname made the loader hash a file outside
    the folder and print its digest; now such a key is refused before any file is hashed."""
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"secret")
    folder = str(tmp_path / "a" / "b")
    shutil.copytree(saved[0], folder)
    meta_path = os.path.join(folder, "metadata.json")
    meta = json.load(open(meta_path))
    meta["sha256"][key] = "0" * 64
    json.dump(meta, open(meta_path, "w"))
    with pytest.raises(ValueError, match="not a model file: its keys are file names") as e:
        lsa_keras.from_pretrained(folder)
    assert pretrained.sha256(outside) not in str(e.value)
    with pytest.raises(ValueError, match="not a model file"):
        pretrained.load_folder(saved[0], {key: "0" * 64})


@pytest.mark.parametrize("digest", ["0" * 63, "A" * 64, "g" * 64, 7, None, ["0" * 64]])
def test_sha256_digests_must_be_64_lowercase_hex_digits(tmp_path, saved, digest):
    folder = str(tmp_path / "m")
    shutil.copytree(saved[0], folder)
    meta_path = os.path.join(folder, "metadata.json")
    meta = json.load(open(meta_path))
    meta["sha256"]["model.weights.h5"] = digest
    json.dump(meta, open(meta_path, "w"))
    with pytest.raises(ValueError, match="not a SHA-256 digest \\(64 lowercase hex"):
        lsa_keras.from_pretrained(folder)


def test_a_refused_file_s_digest_is_not_printed(tmp_path, saved):
    """A model file may be a symlink (the Hub cache is made of them): the error of one that
    fails its hash must not tell the digest of what it points to (issue 33)."""
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"not a weights file")
    folder = str(tmp_path / "m")
    shutil.copytree(saved[0], folder)
    os.remove(os.path.join(folder, "model.weights.h5"))
    os.symlink(secret, os.path.join(folder, "model.weights.h5"))
    with pytest.raises(ValueError, match="model.weights.h5 has SHA-256.*refused") as e:
        lsa_keras.from_pretrained(folder)
    assert pretrained.sha256(secret) not in str(e.value)


def test_special_and_oversized_model_files_are_refused_at_once(tmp_path, saved):
    """Issue 33: a key naming a 2 TB sparse file hung the loader. Now no model file larger
    than its limit, and nothing that is not a regular file, is read or hashed."""
    from tests.reliability.harness import limits

    folder = str(tmp_path / "m")
    shutil.copytree(saved[0], folder)
    weights = os.path.join(folder, "model.weights.h5")
    os.remove(weights)
    with open(weights, "wb") as f:
        f.truncate(2 * 2**40)  # 2 TB of holes: no disk used, hours to hash
    with limits(10, 200, "loading a 2 TB sparse weights file"):
        with pytest.raises(ValueError, match=f"model.weights.h5 is {2 * 2**40} bytes, more "
                                             "than the [0-9]+ bytes"):
            lsa_keras.from_pretrained(folder)
        os.remove(weights)
        os.mkfifo(weights)  # a FIFO blocks a reader until a writer comes: never
        with pytest.raises(ValueError, match="model.weights.h5 is not a regular file"):
            lsa_keras.from_pretrained(folder, trust_unverified=True)
        os.remove(weights)
        shutil.copy(os.path.join(saved[0], "model.weights.h5"), weights)
        config = os.path.join(folder, "config.json")
        os.remove(config)
        os.mkfifo(config)
        with pytest.raises(ValueError, match="config.json is not a regular file"):
            lsa_keras.from_pretrained(folder, trust_unverified=True)


def test_a_config_that_would_allocate_gigabytes_is_refused_before_building(tmp_path, saved):
    """The networks are allocated as config.json is deserialised: one edited size (with the
    hash recorded again) allocated before any error, 10 GB for a block's filters set to 16384
    (issue 33). Now sizes are bounded before anything is built."""
    import resource

    folder = str(tmp_path / "m")
    shutil.copytree(saved[0], folder)
    config_path = os.path.join(folder, "config.json")
    config = json.load(open(config_path))
    block = next(layer for layer in config["config"]["encoder"]["config"]["layers"]
                 if layer["config"]["name"] == "down2")
    block["config"]["filters"] = 2**12  # a 3x3x4096x4096 convolution: 600 MB
    json.dump(config, open(config_path, "w"))
    meta = json.load(open(os.path.join(folder, "metadata.json")))
    meta["sha256"]["config.json"] = pretrained.sha256(config_path)
    json.dump(meta, open(os.path.join(folder, "metadata.json"), "w"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="filters to 4096, beyond the [0-9]+ that lsa_keras "
                                         "builds.*MAX_CONFIG_FILTERS"):
        lsa_keras.from_pretrained(folder)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300 * 1024  # KiB


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
    lsa_presets.update_preset("tiny-8", files={
        n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES})
    assert_same_scores(lsa_keras.from_pretrained("tiny-8"), expected)


def test_local_zoo_folder_needs_the_registry_hashes(tmp_path, registry, saved):
    """A local zoo folder loads by name only if the registry pins its files (issue 33): its own
    metadata.json, which anyone who can write the folder can rewrite, is not enough."""
    folder, expected = saved
    shutil.copytree(folder, tmp_path / "zoo" / "tiny-8")  # the registry's tiny-8 pins nothing
    with pytest.raises(ValueError, match="tiny-8 pins no SHA-256.*lsa-keras zoo build tiny-8"
                                         ".*trust_unverified=True"):
        lsa_keras.from_pretrained("tiny-8")
    assert_same_scores(lsa_keras.from_pretrained("tiny-8", trust_unverified=True), expected)
    # Pinned, then swapped for another valid folder whose metadata vouches for itself.
    lsa_presets.update_preset("tiny-8", files={
        n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES})
    other = tiny_lsa(lam=0.5)
    other.calibrate(mnist_like(20, 3))
    shutil.rmtree(tmp_path / "zoo" / "tiny-8")
    other.save_pretrained(str(tmp_path / "zoo" / "tiny-8"))
    for trust in (False, True):  # a hash that differs is never trusted
        with pytest.raises(ValueError, match="has SHA-256.*zoo registry.*refused"):
            lsa_keras.from_pretrained("tiny-8", trust_unverified=trust)


def test_a_folder_named_like_a_zoo_name_does_not_shadow_it(tmp_path, registry, saved,
                                                           monkeypatch):
    """``./tiny-7`` in the working directory is not the zoo's tiny-7 (issue 33)."""
    folder, expected = saved
    cache = str(tmp_path / "hf")
    warm_hf_cache(cache, "org/tiny-7", folder)
    other = tiny_lsa(lam=0.5)
    other.calibrate(mnist_like(20, 3))
    work = tmp_path / "work"
    for name in ("tiny-7", "tiny-8"):
        other.save_pretrained(str(work / name))
    monkeypatch.chdir(work)
    assert_same_scores(lsa_keras.from_pretrained("tiny-7", cache_dir=cache), expected)
    with pytest.raises(OSError, match="tiny-8 is not in the local zoo"):
        lsa_keras.from_pretrained("tiny-8")
    # The folder, named as a path.
    ns = lsa_keras.from_pretrained("./tiny-7").score(mnist_like(6, 2))["ns"]
    assert np.abs(ns - expected["ns"]).max() > 1e-3


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
    weights file with the optimizer's state, metadata with format /1 and no hashes."""
    import keras

    os.makedirs(folder)
    serialized = keras.saving.serialize_keras_object(model)
    serialized.pop("compile_config", None)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"format": pretrained.LEGACY_FORMAT, "model": serialized}, f, indent=2)
    model.save_weights(os.path.join(folder, "model.weights.h5"))
    meta = {"format": pretrained.LEGACY_FORMAT, "lsa_keras_version": "0.1.0", "name": "old"}
    with open(os.path.join(folder, "metadata.json"), "w") as f:
        json.dump(meta, f)


def test_a_0_1_0_folder_loads_with_a_deprecation_warning(trained, tmp_path):
    model, expected = trained
    old = str(tmp_path / "old")
    write_0_1_0_folder(model, old)
    assert any(name.startswith("optimizer") for name, _ in h5_paths(
        os.path.join(old, "model.weights.h5")))
    # 0.1.0 recorded no hashes: the folder loads only when the caller trusts it.
    with pytest.raises(ValueError, match="records no 'sha256' map.*trust_unverified=True"):
        lsa_keras.from_pretrained(old)
    with pytest.warns(DeprecationWarning, match="lsa_keras 0.1.0.*save_pretrained"):
        loaded = lsa_keras.from_pretrained(old, trust_unverified=True)
    got = loaded.score(mnist_like(6, 2))
    for k in ("llk", "rec", "ns"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=0)
    # Saved again, it is a current folder, a third of the size, with its hashes, without a
    # warning or the opt-in.
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
