"""Pooling several runs of one recipe per class (lab.pooled_runs, research/pool_runs.py)."""

import json
import math

import pytest

import reproduction
from lab import pooled_runs
from research_helpers import load_script

SCHEDULE = {"epochs": 2, "schedule": "constant"}


def write_run(folder, seed, ns_by_class, schedule=SCHEDULE):
    results = {c: {"auroc_llk": 0.5, "auroc_rec": 0.6, "auroc_ns": ns, "best_epoch": 1,
                   "seconds": 1.0} for c, ns in ns_by_class.items()}
    reproduction.write_results(str(folder), "mnist", schedule, seed, results)
    return str(folder)


def test_pool_gives_per_class_statistics_and_the_paper_value(tmp_path):
    a = write_run(tmp_path / "a", 0, {8: 0.93, 2: 0.96})
    b = write_run(tmp_path / "b", 1, {8: 0.95})
    c = write_run(tmp_path / "c", 2, {8: 0.91})
    pooled = pooled_runs.pool(pooled_runs.load_runs([a, b, c]))
    eight = pooled["classes"][8]
    assert list(pooled["classes"]) == [2, 8]
    assert eight["n"] == 3 and [seed for _, seed, _ in eight["runs"]] == [0, 1, 2]
    assert eight["mean"] == pytest.approx(0.93) and eight["median"] == pytest.approx(0.93)
    assert (eight["min"], eight["max"], eight["paper"]) == (0.91, 0.95, 0.953)
    assert "mean_of_means" not in pooled  # only 2 of 10 classes
    table = pooled_runs.pooled_markdown(pooled)
    assert "| 8 | 3 | 0.930, 0.950, 0.910 | 0.930 | 0.930 |" in table
    assert "| -0.023 | no |" in table and "| 2 | 1 |" in table and "| +0.001 | yes |" in table


def test_pool_means_over_all_ten_classes(tmp_path):
    a = write_run(tmp_path / "a", 0, {c: 0.9 for c in range(10)})
    b = write_run(tmp_path / "b", 1, {0: 1.0})
    pooled = pooled_runs.pool(pooled_runs.load_runs([a, b]))
    assert pooled["mean_of_means"] == pytest.approx(0.905)
    assert pooled["mean_of_medians"] == pytest.approx(0.905)


def test_pool_refuses_other_recipes_and_missing_results(tmp_path):
    a = write_run(tmp_path / "a", 0, {8: 0.93})
    b = write_run(tmp_path / "b", 0, {8: 0.95}, schedule={**SCHEDULE, "epochs": 3})
    with pytest.raises(ValueError, match="schedule"):
        pooled_runs.pool(pooled_runs.load_runs([a, b]))
    with pytest.raises(FileNotFoundError, match="no results.json"):
        pooled_runs.load_runs([str(tmp_path / "missing")])
    with pytest.raises(ValueError, match="no runs"):
        pooled_runs.pool([])


def test_pool_runs_script_writes_results_and_reports_bad_folders(tmp_path, capsys):
    script = load_script("pool_runs")
    a = write_run(tmp_path / "a", 0, {8: 0.93})
    b = write_run(tmp_path / "b", 1, {8: 0.95})
    assert script.main([a, b, "--out", str(tmp_path / "out")]) == 0
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["classes"]["8"]["n"] == 2 and saved["folders"] == [a, b]
    assert "| 8 | 2 |" in (tmp_path / "out" / "results.md").read_text()
    with pytest.raises(SystemExit):
        script.main([a, str(tmp_path / "missing"), "--out", str(tmp_path / "out2")])
    assert "no results.json in" in capsys.readouterr().err


def pooled_of(tmp_path, runs):
    return pooled_runs.pool(pooled_runs.load_runs(
        [write_run(tmp_path / f"r{i}", i, run) for i, run in enumerate(runs)]))


def test_log_error_spread_pools_classes_with_two_runs(tmp_path):
    group = pooled_of(tmp_path, [{8: 0.9, 2: 0.95}, {8: 0.8}])  # class 2 has one run: ignored
    spread, dof = pooled_runs.log_error_spread([group])
    assert dof == 1 and spread == pytest.approx(math.log(2) / math.sqrt(2))
    with pytest.raises(ValueError, match="two runs"):
        pooled_runs.log_error_spread([pooled_of(tmp_path / "one", [{8: 0.9}])])


def test_pass_probability_known_answers():
    paper = [0.99, 0.95]
    target = sum(paper) / 2
    assert pooled_runs.pass_probability([0.991, 0.951], paper, 0.0, target) == 1.0
    assert pooled_runs.pass_probability([0.999, 0.939], paper, 0.0, target) == 0.0  # class 1 too low
    assert pooled_runs.pass_probability([0.989, 0.949], paper, 0.0, target) == 0.0  # mean too low
    # With noise, a table centred on the target passes the mean criterion half of the time.
    half = pooled_runs.pass_probability([0.95], [0.95], 0.3, 0.95, tolerance=1.0, draws=40_000)
    assert half == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="between 0 and 1"):
        pooled_runs.pass_probability([1.0], [0.95], 0.1, 0.95)


def test_error_scale_for_without_noise_is_the_paper_itself():
    paper = [0.99, 0.95, 0.9]
    scale = pooled_runs.error_scale_for(0.9, paper, 0.0, sum(paper) / 3, draws=10)
    assert scale == pytest.approx(1.0, abs=1e-6)
    noisy = pooled_runs.error_scale_for(0.9, paper, 0.25, sum(paper) / 3, draws=20_000)
    assert noisy < 0.95  # noise asks for a better recipe than the paper


def test_pass_probability_script(tmp_path):
    script = load_script("pass_probability")
    a = write_run(tmp_path / "a", 0, {c: reproduction.PAPER_NS["mnist"][c] for c in range(10)})
    b = write_run(tmp_path / "b", 1, {2: 0.94, 8: 0.96})
    out = tmp_path / "out"
    assert script.main(["--recipe", a, b, "--draws", "5000", "--out", str(out)]) == 0
    saved = json.loads((out / "results.json").read_text())
    assert saved["spread_dof"] == 2 and 0 < saved["pass_probability_paper"] < 1
    assert saved["error_scale_for_probability"] < 1
    assert "chance it passes" in (out / "results.md").read_text()
    partial = write_run(tmp_path / "c", 0, {2: 0.94})
    with pytest.raises(SystemExit):
        script.main(["--recipe", partial, b, "--out", str(out)])
