import json
import subprocess

import pytest

from lsa_keras import reproduction


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
    with pytest.raises(ValueError, match="another schedule"):
        reproduction.write_results(str(tmp_path), "mnist", {"epochs": 3}, 0, {2: fake_result(0.5)})
    assert json.loads((tmp_path / "results.json").read_text())["classes"].keys() == {"1", "3"}


def test_reproduce_mnist_script_end_to_end(reproduced_mnist):
    out, cmd = reproduced_mnist["out"], reproduced_mnist["cmd"]
    results = json.loads((out / "results.json").read_text())
    r = results["classes"]["2"]
    assert r["n_train"] + r["n_val"] == 30 and r["epochs"] == 2
    assert (out / "models" / "mnist-2.keras").is_file()  # calibrated model kept for the zoo
    state = json.loads((out / "checkpoints" / "mnist-2" / "train_state.json").read_text())
    assert state["epoch"] == 2 and r["seconds"] == state["seconds"] > 0  # resumable
    for key in ("auroc_llk", "auroc_rec", "auroc_ns"):
        assert 0.0 <= r[key] <= 1.0
    assert results["schedule"]["batch_size"] == 9 and results["data"] == "original MNIST IDX files"
    bad = subprocess.run(cmd[:3] + ["12", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "classes must be in 0..9" in bad.stderr
