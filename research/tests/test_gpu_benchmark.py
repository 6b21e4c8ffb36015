"""research/gpu_benchmark.py: the whole run at toy sizes on the CPU (--shrink), and its
zoo-time estimate on known numbers."""

import json
import os

import pytest

from research_helpers import load_script

gpu = load_script("gpu_benchmark")


def test_zoo_estimate_scales_the_class_and_the_cifar10_throughput():
    cls = {"wall_s": 600.0, "n_train": 5400, "epochs": 120}
    rows = [{"model": "mnist", "dtype_policy": "float32", "train_samples_per_s": 1296.0},
            {"model": "cifar10", "dtype_policy": "float32", "train_samples_per_s": 500.0},
            {"model": "cifar10", "dtype_policy": "mixed_bfloat16", "train_samples_per_s": 900.0}]
    z = gpu.zoo_estimate(cls, rows)
    assert z["mnist_s"] == 6000  # 600 s x 54,000 / 5,400
    # Steps of the class: 5,400 x 120 / 1,296 = 500 s, so 100 s outside them: 100 x 40 / 120
    # a CIFAR-10 class, beside 40 x 4,500 / 500 = 360 s of steps (the float32 row).
    assert z["cifar10_s"] == round(10 * (360 + 100 / 3))
    assert z["total_s"] == z["mnist_s"] + z["cifar10_s"]
    assert gpu.zoo_estimate(cls, rows[:1])["cifar10_s"] is None
    assert gpu.zoo_estimate(None, rows) is None


def test_a_shrunk_run_writes_every_part(tmp_path):
    if not os.path.isfile(gpu.TORCH_REFERENCE):
        pytest.skip("the PyTorch peer (../shared/bench/torch_reference.py) is not beside the checkout")
    pytest.importorskip("torch")
    out = tmp_path / "gpu"
    assert gpu.main(["--shrink", "--models", "mnist", "--out", str(out)]) == 0
    report = json.loads((out / "gpu_benchmark.json").read_text())
    assert report["shrink"] and report["machine"]["backend"] == "tensorflow"
    assert report["peer"]["mnist"]["train_samples_per_s"] > 0
    rows = report["throughput"]
    assert [(r["model"], r["dtype_policy"]) for r in rows] == [("mnist", "float32"),
                                                               ("mnist", "mixed_bfloat16")]
    for r in rows:
        assert r["train_samples_per_s"] > 0 and r["score_samples_per_s"] > 0
        assert r["train_ratio"] == pytest.approx(
            r["train_samples_per_s"] / report["peer"]["mnist"]["train_samples_per_s"], abs=0.01)
    cls = report["class"]
    assert cls["epochs"] == 1 and cls["dataset"] == "mnist-sample"
    assert all(0.0 <= cls[k] <= 1.0 for k in ("auroc_llk", "auroc_rec", "auroc_ns"))
    assert cls["train_s"] > 0 and cls["wall_s"] >= cls["train_s"]
    assert report["zoo_estimate"]["mnist_s"] > 0
    assert set(report["seconds"]) == {"peer", "throughput", "class", "total"}
    md = (out / "gpu_benchmark.md").read_text()
    assert "shrunk" in md and "mixed_bfloat16" in md and "Zoo estimate" in md


def test_a_full_run_needs_the_data(tmp_path, monkeypatch):
    # The test command exports LSA_KERAS_DATA_DIR, which --data-dir defaults to.
    monkeypatch.delenv("LSA_KERAS_DATA_DIR", raising=False)
    with pytest.raises(SystemExit):
        gpu.main(["--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        gpu.main(["--shrink", "--out", str(tmp_path), "--torch-reference", str(tmp_path / "none.py")])
