"""The ``lsa-keras`` command: through its installed entry point where a process of its own is
the point (the first training, the killed one, ``--backend``), in-process through
``lsa_keras.cli.main`` otherwise (the same code, without a TensorFlow import per call)."""

import csv
import json
import os
import re
import signal
import subprocess
import time

import keras
import numpy as np
import pytest

from lsa_keras import zoo
from lsa_keras.cli import main
from lsa_keras.datasets import load_mnist_sample
from lsa_keras.training.resumable import checkpoint_path
from tests.test_case import (ENTRY_POINT, calibrated_tiny_lsa, lsa_keras_cmd, lsa_keras_main, ok,
                             save_tiny_pretrained, write_image)


def png_size(path):
    import matplotlib.image

    image = matplotlib.image.imread(path)
    return image.shape[:2]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """`lsa-keras train` on the shipped sample for 2 epochs of 4 batches (--steps-per-epoch)
    through the entry point, killed with SIGKILL after its first epoch, then the same command
    again: it resumes and finishes.
    (That a resumed run ends with the weights of an uninterrupted one, to the last bit, is
    tests/reliability/test_faults.py's and tests/training/test_resumable.py's: the command
    trains through the same train_resumable.)"""
    root = tmp_path_factory.mktemp("cli")
    # Batch 50: 500 training images make 10 full batches, so the step compiles once (a last,
    # smaller batch would compile it again).
    args = ["train", "--dataset", "mnist-sample", "--normal-class", "0", "--batch-size", "50",
            "--epochs", "2", "--steps-per-epoch", "4", "--out"]
    out = root / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.Popen([ENTRY_POINT, *map(str, args), str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    state_path = out / "train_state.json"
    try:
        deadline = time.time() + 600
        while proc.poll() is None and time.time() < deadline:
            if state_path.is_file() and json.loads(state_path.read_text())["epoch"] >= 1:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        _, stderr = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f"training ended before it could be killed: {stderr}"
    assert not re.search(r"^[IWE]\d{4} |InitializeLog", stderr, re.M), stderr  # no start-up logs
    assert json.loads(state_path.read_text())["epoch"] == 1
    assert not (out / "model").exists()
    state = json.loads(state_path.read_text())
    leftovers = [n for n in os.listdir(out) if n not in (state["checkpoint"], state["best_weights"],
                                                         "train_state.json")]
    assert leftovers == [], leftovers  # atomic writes: no half-written temporary survives
    resumed = ok(lsa_keras_main(*args, out))
    assert "Resuming" in resumed.stdout and "after epoch 1 of 2" in resumed.stdout
    assert "test AUROC" in resumed.stdout
    assert json.loads(state_path.read_text())["epoch"] == 2
    return out / "model"


def test_train_writes_a_model_folder(trained):
    assert sorted(os.listdir(trained)) == ["README.md", "config.json", "metadata.json",
                                           "model.weights.h5"]
    meta = json.loads((trained / "metadata.json").read_text())
    assert set(meta["metrics"]) == {"auroc_llk", "auroc_rec", "auroc_ns"}
    assert meta["schedule"]["epochs"] == 2 and meta["schedule"]["steps_per_epoch"] == 4
    assert meta["schedule"]["schedule"] == zoo.recipe("mnist")["schedule"]["schedule"]


def test_train_follows_the_schedule_it_records(trained):
    # The optimiser of the checkpoint is what trained: its learning rate must be the recorded
    # schedule, decaying over the run's epochs, not a constant with a label saying otherwise.
    checkpoint = keras.saving.load_model(checkpoint_path(str(trained.parent)), compile=True)
    rate = checkpoint.optimizer.get_config()["learning_rate"]
    if zoo.recipe("mnist")["schedule"]["schedule"] == "cosine":
        assert rate["class_name"] == "CosineDecay"
        assert rate["config"]["decay_steps"] == 2 * 4  # 2 epochs of 4 batches (of 10 of 50)
    # --schedule constant: test_train_and_evaluate_on_a_folder_of_own_images (one run fewer).


def test_evaluate_writes_table_and_pngs(trained, tmp_path):
    proc = ok(lsa_keras_main("evaluate", trained, "--dataset", "mnist-sample", "--normal-class",
                             "0", "--out", tmp_path))
    assert "| NS |" in proc.stdout
    assert png_size(tmp_path / "roc.png") == (450, 600)
    assert png_size(tmp_path / "ns_histogram.png") == (450, 600)
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert report["n_test"] == 2000 and report["n_novel"] == 1800
    assert 0.0 <= report["auroc"]["ns"] <= 1.0


def test_score_csv_and_heatmaps(trained, tmp_path):
    images = load_mnist_sample()["x_test"][:3]
    folder = tmp_path / "images"
    for i, image in enumerate(images):
        write_image(str(folder / f"img{i}.png"), image)
    ok(lsa_keras_main("score", trained, folder, "--out", tmp_path / "scores.csv",
                      "--heatmaps", tmp_path / "heat"))
    rows = list(csv.DictReader(open(tmp_path / "scores.csv")))
    assert len(rows) == 3 and set(rows[0]) == {"path", "llk", "rec", "ns", "novel"}
    assert all(r["novel"] in ("0", "1") and np.isfinite(float(r["ns"])) for r in rows)
    heatmaps = sorted(os.listdir(tmp_path / "heat"))
    assert len(heatmaps) == 3
    assert png_size(tmp_path / "heat" / heatmaps[0]) == (28 * 4, 2 * 28 * 4)


def test_sample_grid(tmp_path):
    # Through the entry point: --backend runs the command under JAX. A tiny model, since
    # JAX compiles every initializer of the model it builds; XLA:CPU at optimisation level 0,
    # as in the JAX test stage (Makefile).
    model, _ = calibrated_tiny_lsa()
    folder = save_tiny_pretrained(model, tmp_path / "tiny")
    proc = ok(lsa_keras_cmd("sample", folder, "-n", "6", "--out", tmp_path / "grid.png",
                            "--backend", "jax",
                            env={"XLA_FLAGS": "--xla_backend_optimization_level=0"}))
    assert png_size(tmp_path / "grid.png") == (2 * 28, 3 * 28)  # 6 images: 3 columns, 2 rows
    assert "backend jax" in proc.stdout
    # No TensorFlow, JAX or absl start-up log line under another backend either (no --verbose).
    assert not re.search(r"^[IWE]\d{4} |InitializeLog", proc.stderr, re.M), proc.stderr


def test_train_and_evaluate_on_a_folder_of_own_images(tmp_path):
    sample = load_mnist_sample()
    for digit, name in ((1, "ones"), (7, "sevens")):
        for i, image in enumerate(sample["x_test"][sample["y_test"] == digit][:20]):
            write_image(str(tmp_path / "data" / name / f"{i}.png"), image)
    # Trained reading the folder batch by batch (--stream), evaluated with it loaded whole.
    ok(lsa_keras_main("train", "--dataset", "folder", "--data-dir", tmp_path / "data",
                      "--normal-class", "ones", "--epochs", "1", "--batch-size", "9",
                      "--schedule", "constant", "--stream", "--out", tmp_path / "run"))
    # The recorded schedule is the one that trained (test_train_follows_the_schedule_it_records).
    meta = json.loads((tmp_path / "run" / "model" / "metadata.json").read_text())
    assert meta["schedule"]["schedule"] == "constant"
    constant = keras.saving.load_model(checkpoint_path(str(tmp_path / "run")), compile=True)
    assert isinstance(constant.optimizer.get_config()["learning_rate"], float)
    proc = ok(lsa_keras_main("evaluate", tmp_path / "run" / "model", "--dataset", "folder",
                             "--data-dir", tmp_path / "data", "--normal-class", "ones",
                             "--out", tmp_path / "eval"))
    assert "22 test images (20 novel)" in proc.stdout  # 2 validation ones + 20 sevens
    # The AUROCs train measured streaming the test images are those of the loaded images.
    loaded = json.loads((tmp_path / "eval" / "evaluation.json").read_text())["auroc"]
    assert meta["metrics"] == {f"auroc_{k}": round(v, 4) for k, v in loaded.items()}


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "{empty}", "--dataset", "mnist-sample", "--normal-class", "0"],
     "not a complete lsa_keras pretrained folder"),
    (["train", "--dataset", "mnist-sample", "--normal-class", "12", "--out", "{tmp}/r"],
     "--normal-class must be 0-9, got 12"),
    (["train", "--dataset", "folder", "--data-dir", "{tmp}/missing", "--out", "{tmp}/r"],
     "does not exist"),
    (["score", "mnist-70", "x.png"], "Unknown pretrained model 'mnist-70'"),
    (["sample", "{empty}", "--out", "grid.jpg"], "--out must be a .png file"),
    (["zoo", "download", "mnist-7"], "not published yet"),
])
def test_bad_arguments_give_one_line(argv, message, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    argv = [a.format(tmp=tmp_path, empty=tmp_path / "empty") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_unknown_dataset_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--dataset", "svhn", "--normal-class", "1", "--out", "x"])
    assert e.value.code == 2 and "invalid choice: 'svhn'" in capsys.readouterr().err


def test_a_folder_without_hashes_needs_trust_unverified(tmp_path):
    model, _ = calibrated_tiny_lsa()
    folder = save_tiny_pretrained(model, tmp_path / "tiny")
    os.remove(folder / "metadata.json")  # as a folder of lsa_keras 0.1.0: no hashes recorded
    image = tmp_path / "img.png"
    write_image(str(image), load_mnist_sample()["x_test"][0])
    refused = lsa_keras_main("score", folder, image)
    assert refused.returncode == 2 and "pass --trust-unverified" in refused.stderr, refused.stderr
    trusted = ok(lsa_keras_main("score", folder, image, "--trust-unverified"))
    assert len(list(csv.DictReader(trusted.stdout.splitlines()))) == 1
