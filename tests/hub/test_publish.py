"""Publishing over real HTTP: push_to_hub, from_pretrained("hf://org/repo@commit") with a cold
then an offline warm cache, a tampered file refused by its hash, keras.saving.load_model of an
hf:// handle, an uncalibrated push leaving no repo, and `lsa-keras zoo publish` pinning the
commit it made; all against the test Hub of tests/hub_server.py on 127.0.0.1."""

import hashlib
import json
import shutil

import numpy as np
import pytest

import lsa_keras
from lsa_keras import zoo
from lsa_keras.cli import main as lsa_keras_main
from lsa_keras.hub import pretrained
from tests.test_case import calibrated_tiny_lsa, mnist_like, tiny_lsa
from tests.hub_server import hub_server  # noqa: F401  (fixture)

REPO = "org/tiny"
METRICS = {"auroc_ns": 0.91, "auroc_llk": 0.8, "auroc_rec": 0.85}


@pytest.fixture(scope="module")
def tiny():
    """A briefly trained, calibrated tiny model and its scores."""
    return calibrated_tiny_lsa()


def assert_same_scores(model, expected):
    got = model.score(mnist_like(6, 2))
    for k in ("llk", "rec", "ns"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-6, atol=0)


@pytest.fixture
def offline(monkeypatch):
    def switch():
        import huggingface_hub.constants

        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return switch


def test_push_then_pinned_handle_cold_then_offline_warm(hub_server, tiny, tmp_path, offline):
    model, expected = tiny
    info = model.push_to_hub(REPO, metadata={"metrics": METRICS, "dataset": "mnist"})
    assert info.oid == hub_server.head(REPO)
    card = hub_server.content(REPO, "README.md").decode()
    assert "from_pretrained('hf://org/tiny')" in card  # the repo it was pushed to
    handle = f"hf://{REPO}@{info.oid}"
    cache = str(tmp_path / "cache")
    cold = lsa_keras.from_pretrained(handle, cache_dir=cache)
    assert_same_scores(cold, expected)
    assert cold.pretrained_metadata["metrics"] == METRICS
    # One listing of the snapshot, then one GET per model file; nothing else.
    downloads = [p for m, p in hub_server.requests if m == "GET" and "/resolve/" in p]
    assert sorted(p.rsplit("/", 1)[-1] for p in downloads) == sorted(pretrained.MODEL_FILES)
    served = len(hub_server.requests)
    offline()
    warm = lsa_keras.from_pretrained(handle, cache_dir=cache)
    assert len(hub_server.requests) == served  # from the cache, no request
    got, again = warm.score(mnist_like(6, 2)), cold.score(mnist_like(6, 2))
    for k in ("llk", "rec", "ns"):
        np.testing.assert_array_equal(got[k], again[k])
    # A revision never fetched is not in the cache: the error names the `hf download` command.
    with pytest.raises(OSError, match=f"hf download {REPO} --revision {'e' * 40}"):
        lsa_keras.from_pretrained(f"hf://{REPO}@{'e' * 40}", cache_dir=cache)


def test_tampered_weights_on_the_server_are_refused_by_their_hash(hub_server, tiny, tmp_path):
    model, _ = tiny
    info = model.push_to_hub(REPO)
    other = tiny_lsa(lam=0.5)  # a valid weights file of the same architecture, other values
    other.calibrate(mnist_like(20, 3))
    other.save_weights(str(tmp_path / "evil.weights.h5"))
    hub_server.tamper(REPO, "model.weights.h5", (tmp_path / "evil.weights.h5").read_bytes())
    with pytest.raises(ValueError, match="model.weights.h5 has SHA-256.*metadata.json.*refused"):
        lsa_keras.from_pretrained(f"hf://{REPO}@{info.oid}", cache_dir=str(tmp_path / "cache"))


def test_keras_load_model_of_an_hf_handle(hub_server, tiny, tmp_path, monkeypatch):
    """Keras' own hf:// loader (snapshot_download of the repo's main branch) reads the folder."""
    import huggingface_hub.constants
    import keras

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    model, expected = tiny
    model.push_to_hub(REPO)
    loaded = keras.saving.load_model(f"hf://{REPO}")
    assert type(loaded) is lsa_keras.LSA
    assert_same_scores(loaded, expected)


def test_push_of_an_uncalibrated_model_leaves_no_repo(hub_server):
    with pytest.raises(ValueError, match="push_to_hub needs a calibrated model"):
        tiny_lsa().push_to_hub("org/never")
    assert "org/never" not in hub_server.repos and hub_server.requests == []


def test_zoo_publish_pins_the_commit_it_made(hub_server, tiny, tmp_path, monkeypatch, offline):
    """`lsa-keras zoo publish NAME` uploads the built folder and fills the preset's revision,
    file hashes and size (in a copy of the preset file); the name then loads from the Hub."""
    model, expected = tiny
    registry = tmp_path / "presets.json"
    shutil.copy(zoo.registry_path(), registry)
    monkeypatch.setenv(zoo.REGISTRY_ENV, str(registry))
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    folder = tmp_path / "zoo" / "mnist-3"
    model.save_pretrained(str(folder), {"name": "mnist-3", "zoo_name": "mnist-3",
                                        "dataset": "mnist", "normal_class": 3})
    assert lsa_keras_main(["zoo", "publish", "mnist-3"]) == 0
    repo_id = zoo.entry("mnist-3")["repo_id"]
    entry = json.loads(registry.read_text())["presets"]["mnist-3"]
    assert entry["revision"] == hub_server.head(repo_id)
    assert entry["files"] == {
        n: hashlib.sha256(hub_server.content(repo_id, n, entry["revision"])).hexdigest()
        for n in pretrained.MODEL_FILES}
    assert entry["size_bytes"] == pretrained.folder_size(folder)
    assert "from_pretrained('mnist-3')" in hub_server.content(repo_id, "README.md").decode()
    # Without the local folder the name loads from the Hub at the pinned commit, hashes checked.
    shutil.rmtree(folder)
    cache = str(tmp_path / "cache")
    assert_same_scores(lsa_keras.from_pretrained("mnist-3", cache_dir=cache), expected)
    offline()
    assert_same_scores(lsa_keras.from_pretrained("mnist-3", cache_dir=cache), expected)
    # Other presets are untouched.
    assert json.loads(registry.read_text())["presets"]["mnist-4"]["revision"] is None
