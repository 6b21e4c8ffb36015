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


def test_build_shards_split_the_work_list_and_merge_into_the_registry(zoo_env, monkeypatch):
    import lsa_keras.training

    data = zoo_env / "data"
    tiny_mnist(data)
    built = []

    def train_one_class(data, checkpoint_dir, schedule, *, model_dir, **kwargs):
        # Stands in for training: writes a model folder's files, returns AUROCs of its own.
        os.makedirs(model_dir)
        for name in pretrained.MODEL_FILES:
            (zoo_env / "zoo" / os.path.basename(model_dir) / name).write_text(model_dir)
        built.append(os.path.basename(model_dir))
        score = 0.5 + data["normal_class"] / 100
        return None, {"auroc_ns": score, "auroc_llk": score, "auroc_rec": score}

    monkeypatch.setattr(lsa_keras.training, "train_one_class", train_one_class)
    shards = []
    for i in range(4):  # the jobs of a Slurm array --array=0-3
        out = ok(run_in_process("zoo", "build", "mnist", "--data-dir", data, "--shard", f"{i}/4"))
        shards.append(built[sum(map(len, shards)):])
        assert out.stdout.startswith(
            f"== shard {i}/4: {', '.join(shards[-1])} ({len(shards[-1])} of 10)")
    assert shards == [["mnist-0", "mnist-1"], ["mnist-2", "mnist-3", "mnist-4"],
                      ["mnist-5", "mnist-6"], ["mnist-7", "mnist-8", "mnist-9"]]
    for c in range(10):
        entry = zoo.entry(f"mnist-{c}")
        assert entry["metrics"]["auroc_ns"] == round(0.5 + c / 100, 4)
        assert entry["revision"] is None
    # More jobs than names: the extra ones build nothing and succeed.
    empty = ok(run_in_process("zoo", "build", "mnist-3", "--shard", "0/2"))
    assert empty.stdout.startswith("== shard 0/2: no name (0 of 1)")
    for shard, message in (("4/4", "0 <= I < N"), ("1", "expected I/N"), ("a/2", "expected I/N")):
        proc = run_in_process("zoo", "build", "mnist", "--shard", shard)
        assert proc.returncode == 2 and message in proc.stderr


# Loads the preset module alone (not the lsa_keras.models package, which imports Keras) and
# records one metric of each of its zoo names, a few times over, as a build job would.
RECORD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lsa_presets", sys.argv[1])
presets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(presets)
for value in range(5):
    for name in sys.argv[2:]:
        presets.update_preset(name, metrics={"auroc_ns": value / 10})
"""


def test_jobs_recording_results_at_once_keep_every_result(zoo_env):
    import subprocess
    import sys

    from tests.test_case import ROOT

    source = lsa_presets.__file__
    env = {**os.environ, "PYTHONPATH": ROOT}
    jobs = [subprocess.Popen([sys.executable, "-c", RECORD, source, f"mnist-{c}", f"cifar10-{c}"],
                             env=env) for c in range(5)]
    assert [job.wait(timeout=120) for job in jobs] == [0] * 5
    for c in range(5):
        assert zoo.entry(f"mnist-{c}")["metrics"] == {"auroc_ns": 0.4}
        assert zoo.entry(f"cifar10-{c}")["metrics"] == {"auroc_ns": 0.4}
