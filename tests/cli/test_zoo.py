"""`lsa-keras zoo`: build, publish and list, in process and through the installed entry point."""

import json
import os
import shutil
import types

import numpy as np
import pytest
import yaml

import lsa_keras
from lsa_keras import zoo
from lsa_keras.hub import pretrained
from lsa_keras.cli import main as lsa_keras_main
from lsa_keras.hub import publish
from lsa_keras.models.lsa import lsa_presets
from tests.test_case import calibrated_tiny_lsa, ok, tiny_mnist
from tests.test_case import lsa_keras_main as run_in_process


@pytest.fixture(scope="module")
def trained():
    return calibrated_tiny_lsa()


@pytest.fixture
def zoo_env(tmp_path, monkeypatch):
    """A copy of the shipped registry, an empty zoo folder, and the Hub offline."""
    import huggingface_hub.constants

    registry = tmp_path / "presets.json"
    shutil.copy(zoo.registry_path(), registry)
    monkeypatch.setenv(zoo.REGISTRY_ENV, str(registry))
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return tmp_path


def test_build_then_load_by_name_offline_then_publish(zoo_env, monkeypatch):
    data = zoo_env / "data"
    tiny_mnist(data, n_train=300)
    assert lsa_keras_main(["zoo", "build", "mnist", "--classes", "2", "--data-dir", str(data),
                           "--epochs", "1"]) == 0
    entry = zoo.entry("mnist-2")
    assert set(entry["metrics"]) == {"auroc_ns", "auroc_llk", "auroc_rec"}
    assert entry["revision"] is None and entry["schedule"]["epochs"] == 1
    # The build pins the hashes of the folder it wrote (issue 33): the name loads only that.
    built = zoo_env / "zoo" / "mnist-2"
    assert entry["files"] == {n: pretrained.sha256(built / n) for n in pretrained.MODEL_FILES}
    model = lsa_keras.from_pretrained("mnist-2")  # from the local zoo, no network
    assert model.pretrained_metadata["metrics"]["auroc_ns"] == pytest.approx(entry["metrics"]["auroc_ns"], abs=1e-4)
    card = open(zoo_env / "zoo" / "mnist-2" / "README.md").read()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["model-index"][0]["name"] == "mnist-2"
    assert "from_pretrained('mnist-2')" in card  # the zoo name, loadable anywhere
    assert entry["size_bytes"] == pretrained.folder_size(zoo_env / "zoo" / "mnist-2")
    scores = model.score(np.zeros((2, 28, 28, 1), "uint8"))

    import huggingface_hub

    class RecordingApi:  # stands in for the Hub, which this machine cannot reach
        def __init__(self, **kwargs):
            pass

        def create_repo(self, repo_id, private, exist_ok):
            self.repo_id = repo_id

        def upload_folder(self, repo_id, folder_path, allow_patterns, commit_message):
            assert sorted(os.listdir(folder_path)) == sorted(pretrained.MODEL_FILES)
            return types.SimpleNamespace(oid="f" * 40)

        def list_repo_files(self, repo_id, revision):
            return list(pretrained.MODEL_FILES)

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    assert lsa_keras_main(["zoo", "publish", "mnist-2"]) == 0
    entry = zoo.entry("mnist-2")
    assert entry["revision"] == "f" * 40 and set(entry["files"]) == set(pretrained.MODEL_FILES)
    # Published hashes are now checked on load; the local folder matches them.
    again = lsa_keras.from_pretrained("mnist-2").score(np.zeros((2, 28, 28, 1), "uint8"))
    np.testing.assert_array_equal(again["ns"], scores["ns"])
    with open(zoo_env / "zoo" / "mnist-2" / "metadata.json", "a") as f:
        f.write(" ")
    with pytest.raises(ValueError, match="SHA-256"):
        lsa_keras.from_pretrained("mnist-2")
    with pytest.raises(FileNotFoundError, match="build it first"):
        publish.publish("mnist-3", str(zoo_env / "zoo" / "mnist-3"))
    assert json.load(open(zoo.registry_path()))["presets"]["mnist-2"]["revision"] == "f" * 40


def test_zoo_list_and_bad_arguments(tmp_path):
    # In-process: tests/cli/test_commands.py runs the entry point itself.
    listed = ok(run_in_process("zoo", "list"))
    assert "mnist-7" in listed.stdout and "cifar10-9" in listed.stdout
    bad = run_in_process("evaluate", tmp_path / "nope", "--dataset", "mnist-sample",
                         "--normal-class", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].startswith("lsa-keras evaluate: error: model folder")


def test_zoo_list_shows_every_name_metrics_status_and_below_chance(tmp_path, monkeypatch, trained):
    registry = tmp_path / "presets.json"
    shutil.copy(zoo.registry_path(), registry)
    monkeypatch.setenv(zoo.REGISTRY_ENV, str(registry))
    monkeypatch.setenv(zoo.ZOO_DIR_ENV, str(tmp_path / "zoo"))
    lsa_presets.update_preset("mnist-5", revision="a" * 40, files={"config.json": "0"})
    trained[0].save_pretrained(str(tmp_path / "zoo" / "mnist-6"))
    lines = ok(run_in_process("zoo", "list")).stdout.splitlines()
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
