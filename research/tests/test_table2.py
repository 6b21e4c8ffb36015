"""research/table2.py: supplement Table 2 assembled from reproduction results files."""

import json
import os

import pytest

from research_helpers import load_script

table2 = load_script("table2")


def _write(folder, payload):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump(payload, f)
    return str(folder)


def test_means_over_the_classes_present_and_says_how_many(tmp_path):
    mnist = _write(tmp_path / "mnist", {"data": "IDX", "classes": {
        "3": {"auroc_llk": 0.9, "auroc_rec": 0.8, "auroc_ns": 0.95},
        "7": {"auroc_llk": 0.7, "auroc_rec": 0.6, "auroc_ns": 0.85}}})
    ucsd = _write(tmp_path / "ucsd", {"data": "synthetic", "auroc_llk": 0.5, "auroc_rec": 0.6,
                                      "auroc_ns": 0.7})
    out = tmp_path / "out"
    assert table2.main(["--mnist", mnist, "--ucsd", ucsd, "--out", str(out)]) == 0
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert rows["mnist"]["ours"] == pytest.approx({"llk": 0.8, "rec": 0.7, "ns": 0.9})
    assert rows["mnist"]["classes"] == [3, 7] and rows["mnist"]["paper"]["ns"] == 0.975
    assert rows["ucsd_ped2"]["ours"]["ns"] == 0.7 and rows["ucsd_ped2"]["classes"] is None
    md = (out / "results.md").read_text()
    assert "| MNIST | 0.800 (0.926) | 0.700 (0.949) | 0.900 (0.975) | mean of 2 of 10 classes (3, 7)" in md
    assert "| CIFAR-10 | - (0.627)" in md and "not run" in md and "synthetic" in md


def test_missing_or_empty_results_are_clear_errors(tmp_path):
    with pytest.raises(SystemExit, match="run the reproduction script"):
        table2.main(["--mnist", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    empty = _write(tmp_path / "empty", {"classes": {}})
    with pytest.raises(SystemExit, match="no finished class"):
        table2.main(["--cifar10", empty, "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit):
        table2.main(["--out", str(tmp_path / "o")])
