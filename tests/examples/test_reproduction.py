"""The reproduction scripts, their results files, and the zoo built from their models."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.test_case import ROOT, lsa_keras_cmd, lsa_keras_main, ok, tiny_mnist

sys.path.insert(0, os.path.join(ROOT, "examples"))
import machine  # noqa: E402  (examples/machine.py)
import reproduction  # noqa: E402  (examples/reproduction.py)


@pytest.fixture(scope="module")
def reproduced_mnist(tmp_path_factory):
    """``examples/reproduce_mnist.py`` run once on random-pixel MNIST files (class 2: 27
    training images, 2 epochs of 3 full batches of 9), shared by its own test and by the zoo
    build from its results: each training of the full MNIST model costs most of a minute of
    tracing and compiling. (One file, so that parallel test workers keep them together.)"""
    root = tmp_path_factory.mktemp("reproduced")
    tiny_mnist(root / "data", n_train=300)
    out = root / "out"
    cmd = [sys.executable, os.path.join(ROOT, "examples", "reproduce_mnist.py"), "--classes", "2",
           "--data-dir", str(root / "data"), "--out", str(out), "--epochs", "2",
           "--batch-size", "9", "--jit-compile", "off"]  # XLA's compile: 7 s more, for 2 epochs
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"data": root / "data", "out": out, "cmd": cmd}


def fake_result(ns):
    return {"auroc_llk": 0.5, "auroc_rec": 0.6, "auroc_ns": ns, "best_epoch": 1, "seconds": 2.0}


def test_results_merge_across_invocations_and_refuse_another_schedule(tmp_path):
    schedule = {"epochs": 2}
    reproduction.write_results(str(tmp_path), "mnist", schedule, 0, {3: fake_result(0.9)})
    results = reproduction.write_results(str(tmp_path), "mnist", schedule, 0, {1: fake_result(0.7)})
    assert list(results["classes"]) == ["1", "3"]
    assert results["mean_auroc_ns"] == pytest.approx(0.8)
    md = (tmp_path / "results.md").read_text()
    assert "| 3 | 0.500 | 0.600 | 0.900 | 0.966 | -0.066 |" in md
    assert "| mean (2 classes) |" in md
    with pytest.raises(ValueError, match="another schedule"):
        reproduction.write_results(str(tmp_path), "mnist", {"epochs": 3}, 0, {2: fake_result(0.5)})
    assert json.loads((tmp_path / "results.json").read_text())["classes"].keys() == {"1", "3"}


def test_results_name_the_processor_of_each_class(tmp_path, monkeypatch):
    real = machine.describe()
    assert real["cpus"] >= 1 and isinstance(real["simd"], list) and isinstance(real["cpu_id"], str)
    for normal_class, name in ((1, "CPU one"), (2, "CPU two")):
        monkeypatch.setattr(machine, "describe",
                            lambda name=name: {**real, "processor": name, "cpu_id": ""})
        results = reproduction.write_results(str(tmp_path), "mnist", {"epochs": 2}, 0,
                                             {normal_class: fake_result(0.9)})
        if normal_class == 1:
            assert "| mean (1 class) |" in (tmp_path / "results.md").read_text()
    assert results["classes"]["1"]["processor"] == "CPU one"
    assert results["classes"]["2"]["processor"] == "CPU two"
    assert results["machine"]["processor"] == "CPU two"
    assert "CPU two" in (tmp_path / "results.md").read_text()


def test_processor_label_names_family_and_model():
    assert machine.processor_label({"processor": "AMD EPYC", "cpu_id": "family 25 model 17"}) == (
        "AMD EPYC (family 25 model 17)")
    assert machine.processor_label({"processor": "AMD EPYC", "cpu_id": ""}) == "AMD EPYC"
    assert machine.processor_label({"processor": "", "cpu_id": ""}) == "processor not recorded"


def test_reproduce_mnist_script_end_to_end(reproduced_mnist):
    out, cmd = reproduced_mnist["out"], reproduced_mnist["cmd"]
    results = json.loads((out / "results.json").read_text())
    r = results["classes"]["2"]
    assert r["n_train"] + r["n_val"] == 30 and r["epochs"] == 2
    assert (out / "models" / "mnist-2" / "config.json").is_file()  # calibrated, for the zoo
    state = json.loads((out / "checkpoints" / "mnist-2" / "train_state.json").read_text())
    assert state["epoch"] == 2 and r["seconds"] == state["seconds"] > 0  # resumable
    assert r["history"] == state["history"] and len(r["history"]) == 2  # outlives checkpoints
    assert {"loss", "rec", "llk", "val_loss", "val_rec", "val_llk"} <= r["history"][0].keys()
    for key in ("auroc_llk", "auroc_rec", "auroc_ns"):
        assert 0.0 <= r[key] <= 1.0
    assert results["schedule"]["batch_size"] == 9 and results["data"] == "original MNIST IDX files"

def test_reproduce_refuses_a_class_out_of_range(tmp_path, capsys):
    # The script's own main, in-process (a process of its own costs a TensorFlow import).
    with pytest.raises(SystemExit) as e:
        reproduction.main("mnist", ["--classes", "12", "--out", str(tmp_path)])
    assert e.value.code == 2 and "classes must be in 0..9" in capsys.readouterr().err


def test_zoo_build_through_the_entry_point(reproduced_mnist, tmp_path):
    """`lsa-keras zoo build --from-results` takes the reproduction's saved model and AUROC (the
    in-process test of zoo.build covers training a class)."""
    from lsa_keras import zoo

    registry = tmp_path / "presets.json"
    shutil.copy(zoo.registry_path(), registry)
    env = {"LSA_KERAS_ZOO_REGISTRY": str(registry), "LSA_KERAS_ZOO_DIR": str(tmp_path / "zoo")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        built = ok(lsa_keras_cmd("zoo", "build", "mnist", "--classes", "2", "--from-results",
                                 reproduced_mnist["out"], "--data-dir", reproduced_mnist["data"]))
        listed = ok(lsa_keras_main("zoo", "list")).stdout
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v
    assert "saved model of" in built.stdout
    line = next(l for l in listed.splitlines() if l.startswith("mnist-2 "))
    assert "built here" in line
    assert (tmp_path / "zoo" / "mnist-2" / "model.weights.h5").is_file()
    reproduced = json.loads((reproduced_mnist["out"] / "results.json").read_text())
    entry = json.load(open(registry))["presets"]["mnist-2"]
    assert entry["metrics"]["auroc_ns"] == round(reproduced["classes"]["2"]["auroc_ns"], 4)
    assert entry["schedule"]["epochs"] == 2


def test_initialization_flag_is_recorded_in_the_schedule(monkeypatch):
    defaults = {"epochs": 2, "batch_size": 9, "learning_rate": 1e-4, "schedule": "constant"}
    p = reproduction.parser("mnist", defaults)
    base = ["--out", "x"]
    assert "initialization" not in reproduction.schedule_of(p.parse_args(base))
    chosen = reproduction.schedule_of(p.parse_args(base + ["--initialization", "torch-0.4.1"]))
    assert chosen["initialization"] == "torch-0.4.1"
    # A recipe can make it the default.
    p = reproduction.parser("mnist", dict(defaults, initialization="torch-0.4.1"))
    assert reproduction.schedule_of(p.parse_args(base))["initialization"] == "torch-0.4.1"
    with pytest.raises(SystemExit):
        p.parse_args(base + ["--initialization", "glorot"])
    # Likewise the augmentation: recorded only when there is one.
    assert "augmentation" not in reproduction.schedule_of(p.parse_args(base))
    flips = reproduction.schedule_of(p.parse_args(base + ["--augmentation", "horizontal_flip"]))
    assert flips["augmentation"] == "horizontal_flip"
    with pytest.raises(SystemExit):
        p.parse_args(base + ["--augmentation", "vertical_flip"])
    # And the dtype policy; XLA is a speed setting, never in the schedule.
    assert "dtype_policy" not in reproduction.schedule_of(p.parse_args(base))
    bf16 = reproduction.schedule_of(p.parse_args(base + ["--dtype-policy", "mixed_bfloat16"]))
    assert bf16["dtype_policy"] == "mixed_bfloat16"
    assert "jit_compile" not in reproduction.schedule_of(p.parse_args(base + ["--jit-compile", "on"]))
    # A whole reproduction trains with XLA where XLA's step is the faster one: with JAX, and
    # with TensorFlow unless its oneDNN kernels are on (the user's choice) on an AVX-512 CPU;
    # PyTorch keeps Keras' rule ("on" would mean torch.compile).
    assert p.parse_args(base).jit_compile == reproduction.default_jit_compile()
    avx2, avx512 = ["avx2", "fma"], ["avx2", "fma", "avx512f"]
    for simd, onednn in [(avx2, False), (avx2, True), (avx512, False)]:
        assert [reproduction.default_jit_compile(b, simd, onednn)
                for b in ("tensorflow", "jax", "torch")] == ["on", "on", "auto"]
    assert [reproduction.default_jit_compile(b, avx512, onednn=True)
            for b in ("tensorflow", "jax", "torch")] == ["auto", "on", "auto"]
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    assert reproduction.default_jit_compile("tensorflow", avx512) == "auto"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert reproduction.default_jit_compile("tensorflow", avx512) == "on"
    with pytest.raises(SystemExit):
        p.parse_args(base + ["--jit-compile", "yes"])
