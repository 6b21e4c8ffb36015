"""Smoke tests of the numbered user examples (examples/0N_*.py): each runs end to end on tiny
data with a tiny network, through its ``main(argv)``."""

import csv
import importlib.util
import os

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "examples")


def load_example(name):
    spec = importlib.util.spec_from_file_location(name.replace(".py", ""),
                                                  os.path.join(EXAMPLES, name))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _environment(monkeypatch):
    # The examples set these for themselves when unset; keep the test process's environment.
    monkeypatch.setenv("TF_CPU_ALLOCATOR_USE_BFC", os.environ.get("TF_CPU_ALLOCATOR_USE_BFC", "false"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))


@pytest.fixture
def tiny_mnist_model(tmp_path):
    """A calibrated (untrained) 28x28x1 model saved with save_pretrained."""
    from lsa_keras import LSA

    model = LSA.from_architecture("mnist", code_length=8, bins=10, estimator_units=(4,))
    rng = np.random.default_rng(0)
    model.calibrate(rng.integers(0, 256, (8, 28, 28, 1), dtype="uint8"))
    return model.save_pretrained(str(tmp_path / "model"))


def test_01_pretrained_scores_image_files_and_the_mnist_sample(tmp_path, tiny_mnist_model,
                                                               capsys):
    from PIL import Image

    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(1)
    for k in range(3):  # other sizes and colour: converted to the model's 28x28 grayscale
        Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype="uint8")).save(images / f"{k}.png")
    example = load_example("01_pretrained.py")
    out = tmp_path / "scores.csv"
    assert example.main([tiny_mnist_model, str(images), "--out", str(out)]) == 0
    with open(out) as f:
        rows = list(csv.DictReader(f))
    assert [os.path.basename(r["image"]) for r in rows] == ["0.png", "1.png", "2.png"]
    assert all(r["novel"] in ("0", "1") for r in rows)
    assert example.main([tiny_mnist_model, "--limit", "5"]) == 0
    assert "MNIST sample test image 4" in capsys.readouterr().out


def test_01_pretrained_says_what_to_do_without_a_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LSA_KERAS_ZOO_DIR", str(tmp_path / "empty-zoo"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    example = load_example("01_pretrained.py")
    assert example.main(["mnist-7"]) == 1
    assert example.main([str(tmp_path / "no-such-folder")]) == 1
    err = capsys.readouterr().err
    assert "No model could be loaded" in err and "make demo" in err


def test_02_train_on_a_generated_folder(tmp_path, capsys):
    example = load_example("02_train_on_a_folder.py")
    out = tmp_path / "run"
    argv = ["--demo", "--demo-images", "24", "--epochs", "1", "--batch-size", "16",
            "--architecture", "mnist", "--smoke", "--out", str(out)]
    assert example.main(argv) == 0
    assert (out / "model" / "config.json").is_file()
    assert "AUROC" in capsys.readouterr().out
    import lsa_keras

    model = lsa_keras.from_pretrained(str(out / "model"))
    assert model.pretrained_metadata["normal_class"] == "disc"
    # A class that is not a folder is refused before anything is built.
    assert example.main(["--data-dir", str(out / "images"), "--normal-class", "triangle",
                         "--smoke", "--out", str(tmp_path / "bad")]) == 2


def test_03_thresholds_and_heatmaps(tmp_path, capsys):
    example = load_example("03_thresholds_and_heatmaps.py")
    assert example.main(["--smoke", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "heatmaps.png").is_file() and (tmp_path / "ns_histogram.png").is_file()
    assert "detections" in capsys.readouterr().out


VIDEO_ARGV = ["--demo", "--demo-train", "1", "--demo-test", "1", "--demo-frames", "24",
              "--frame-size", "48", "64", "--train-patches", "16", "--val-patches", "4",
              "--epochs", "1", "--batch-size", "8", "--smoke"]


def test_04_video_on_generated_videos(tmp_path, monkeypatch, capsys):
    """The whole script but the training step, whose first 3D-convolution backward pass alone
    takes about a minute on a 2-core CPU (trained end to end in the slow test below and, on
    small shapes, in the video tests of the package)."""
    from lsa_keras import video

    calls = []

    def fit_patches(model, x_train, x_val, epochs, batch_size, checkpoint, verbose=2):
        calls.append((x_train.shape, x_val.shape, epochs, batch_size))
        return {"history": {}, "best_epoch": 1, "seconds": 0.0}

    monkeypatch.setattr(video, "fit_patches", fit_patches)
    example = load_example("04_video.py")
    assert example.main(VIDEO_ARGV + ["--out", str(tmp_path)]) == 0
    assert calls == [((16, 8, 32, 32, 1), (4, 8, 32, 32, 1), 1, 8)]
    assert (tmp_path / "frame_scores.png").is_file() and (tmp_path / "model.keras").is_file()
    assert "frame-level AUROC" in capsys.readouterr().out


@pytest.mark.slow
def test_04_video_trains_on_generated_videos(tmp_path, capsys):
    example = load_example("04_video.py")
    assert example.main(VIDEO_ARGV + ["--out", str(tmp_path)]) == 0
    assert "best epoch 1" in capsys.readouterr().out
