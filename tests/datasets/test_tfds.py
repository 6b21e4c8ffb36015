"""load_tfds and --dataset tfds:NAME on TensorFlow Datasets' own ``mnist`` builder, prepared
offline from the shared IDX files (tests/datasets/tfds_mnist.py): no mock."""

import collections
import hashlib
import json
import logging
import os
import re

import numpy as np
import pytest

from lsa_keras.datasets import load_mnist, load_one_class, load_tfds, one_class_split
from tests.datasets.tfds_mnist import prepare_tfds_mnist
from tests.test_case import lsa_keras_main, ok, tiny_lsa

NORMAL = 3


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """TFDS ``mnist`` prepared once into a temporary data_dir, and the one-class split of digit
    3 that load_tfds reads from it (the shared MNIST folder is needed; skipped without it)."""
    shared = os.environ.get("LSA_KERAS_DATA_DIR")
    idx_dir = os.path.join(shared, "mnist") if shared else None
    if not idx_dir or not os.path.isdir(idx_dir):
        pytest.skip("needs the original MNIST IDX files in $LSA_KERAS_DATA_DIR/mnist")
    data_dir = prepare_tfds_mnist(idx_dir, str(tmp_path_factory.mktemp("tfds")))
    split = load_tfds("mnist", NORMAL, data_dir=data_dir, download=False)
    return {"data_dir": data_dir, "idx": load_mnist(shared), "split": split}


def digests(images):
    return [hashlib.sha256(image.tobytes()).hexdigest() for image in images]


def test_tfds_and_idx_mnist_hold_the_same_images_per_class_in_another_order(prepared):
    import tensorflow_datasets as tfds

    builder = tfds.builder("mnist", data_dir=prepared["data_dir"])
    for (x_idx, y_idx), split in zip(prepared["idx"], ("train", "test")):
        x, y = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True,
                                                shuffle_files=False))
        assert x.shape == x_idx.shape and x.dtype == np.uint8
        for c in range(10):  # acceptance 2: the same images per class (as multisets)
            assert collections.Counter(digests(x[y == c])) \
                == collections.Counter(digests(x_idx[y_idx == c])), (split, c)
        # ... in another record order, which is why the protocol's split differs (documented).
        assert not np.array_equal(y, y_idx)

    ours = prepared["split"]
    (x_idx, y_idx), (xt_idx, yt_idx) = prepared["idx"]
    reference = one_class_split(x_idx, y_idx, xt_idx, yt_idx, NORMAL)
    assert ours["x_train"].shape[1:] == (28, 28, 1) and ours["x_train"].dtype == np.uint8
    normal_tfds = digests(ours["x_train"]) + digests(ours["x_val"])
    normal_idx = digests(reference["x_train"]) + digests(reference["x_val"])
    assert collections.Counter(normal_tfds) == collections.Counter(normal_idx)
    assert len(ours["x_val"]) != len(reference["x_val"]) \
        or set(digests(ours["x_val"])) != set(digests(reference["x_val"]))
    # The whole test split is scored, each image labelled as the IDX files label it.
    assert collections.Counter(zip(digests(ours["x_test"]), ours["novel_test"].tolist())) \
        == collections.Counter(zip(digests(xt_idx), (yt_idx != NORMAL).tolist()))


def test_the_split_names_its_class_and_trains_calibrates_and_scores(prepared):
    split = prepared["split"]
    assert split["architecture"] == "mnist" and split["dataset"] == "tfds:mnist"
    assert split["normal_class"] == NORMAL and split["normal_class_name"] == "3"
    assert split["class_names"] == [str(c) for c in range(10)]
    assert "record order" in split["note"]
    assert split["novel_test"].dtype == np.int32 and split["novel_test"].shape == (10000,)
    model = tiny_lsa()  # the mnist architecture with a small code and estimator
    assert split["architecture"] == model.architecture
    model.compile(optimizer="adam")
    model.fit(split["x_train"][:256], epochs=1, batch_size=128, verbose=0)  # two steps
    model.calibrate(split["x_val"][:100])
    scores = model.score(split["x_test"][:100])
    assert scores["ns"].shape == (100,) and np.isfinite(scores["ns"]).all()


def test_as_dataset_streams_the_same_images_and_labels_in_order(prepared):
    import tensorflow as tf

    arrays = prepared["split"]
    streamed = load_tfds("mnist", "3", data_dir=prepared["data_dir"], download=False,
                         as_dataset=True, batch_size=500)
    for key in ("x_train", "x_val", "x_test"):
        assert isinstance(streamed[key], tf.data.Dataset)
        assert streamed[key].element_spec.dtype == tf.uint8
        assert tuple(streamed[key].element_spec.shape) == (None, 28, 28, 1)
    x_val = np.concatenate(list(streamed["x_val"].as_numpy_iterator()))
    np.testing.assert_array_equal(x_val, arrays["x_val"])
    x_test = np.concatenate(list(streamed["x_test"].as_numpy_iterator()))
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(streamed["novel_test"], arrays["novel_test"])
    assert len(streamed["x_test"]) == 20  # 10,000 test images in batches of 500
    # x_train is picked by the same lookup as x_val: its first batches suffice.
    first = np.concatenate(list(streamed["x_train"].take(2).as_numpy_iterator()))
    np.testing.assert_array_equal(first, arrays["x_train"][:1000])
    # Resized and converted to RGB for the cifar10 network (--architecture cifar10).
    rgb = load_tfds("mnist", NORMAL, data_dir=prepared["data_dir"], download=False,
                    image_shape=(32, 32, 3), as_dataset=True, batch_size=64)
    assert rgb["architecture"] == "cifar10" and "resized to (32, 32, 3)" in rgb["note"]
    batch = next(iter(rgb["x_val"])).numpy()
    assert batch.shape == (64, 32, 32, 3) and batch.dtype == np.uint8
    assert (batch[..., 0] == batch[..., 2]).all()  # gray in three channels
    assert abs(batch.mean() - arrays["x_val"][:64].mean()) < 5


def test_cli_trains_and_scores_on_tfds_mnist(prepared, tmp_path):
    """A few steps (--steps-per-epoch), then the calibration and the scores of all 10,000 test
    images that train measures its AUROC on; `evaluate` reads the same split through the same
    load_one_class call."""
    data_dir, run = prepared["data_dir"], tmp_path / "run"
    trained = ok(lsa_keras_main(
        "train", "--dataset", "tfds:mnist", "--normal-class", "3", "--data-dir", data_dir,
        "--no-download", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "64",
        "--out", run))
    assert "5534 training / 597 validation images; 1 epochs of at most 2 batches" \
        in trained.stdout, trained.stdout
    assert re.search(r"test AUROC  LLK \d\.\d{3}  REC \d\.\d{3}  NS \d\.\d{3}",
                     trained.stdout), trained.stdout
    meta = json.loads((run / "model" / "metadata.json").read_text())
    assert meta["dataset"] == "tfds:mnist" and meta["normal_class_name"] == "3"
    assert meta["protocol"]["seed"] == 30101990 and meta["schedule"]["steps_per_epoch"] == 2
    assert set(meta["metrics"]) == {"auroc_ns", "auroc_llk", "auroc_rec"}
    assert "(**3**)" in (run / "model" / "README.md").read_text()  # the card names the class


def test_without_prepared_data_and_download_the_error_is_one_line(tmp_path, caplog):
    empty = tmp_path / "empty"
    empty.mkdir()
    with caplog.at_level(logging.INFO), pytest.raises(FileNotFoundError) as e:
        load_tfds("mnist", NORMAL, data_dir=str(empty), download=False)
    assert not caplog.records  # TFDS' own warnings about the missing data stay quiet
    message = str(e.value)
    assert len(message.splitlines()) == 1
    assert f"not prepared in {empty}" in message and f"tfds build mnist --data_dir {empty}" \
        in message
    assert not os.listdir(empty)  # nothing written
    with pytest.raises(FileNotFoundError, match="not prepared"):
        load_one_class("tfds:mnist", NORMAL, str(empty), download=False)
    refused = lsa_keras_main("train", "--dataset", "tfds:mnist", "--normal-class", "3",
                             "--data-dir", empty, "--no-download", "--out", tmp_path / "run")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith("lsa-keras train: error: ") and message in refused.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("name, normal_class, image_shape, error", [
    ("mnsit", 3, None, "unknown TensorFlow Datasets name 'mnsit'; did you mean mnist"),
    ("imdb_reviews", 0, None, "needs an 'image' Image and a 'label' ClassLabel feature"),
    ("mnist", 10, None, "class 10 is out of range for TensorFlow Datasets 'mnist': labels 0..9"),
    ("mnist", 3, (28, 28, 2), "image_shape must be (height, width, 1 or 3)"),
    ("oxford_flowers102", 0, None, "has images of shape (None, None, 3), which no architecture "
     "takes"),
])
def test_bad_names_classes_and_shapes_are_one_line_errors(name, normal_class, image_shape,
                                                          error, tmp_path):
    # Refused from the dataset's metadata, before any data is needed.
    with pytest.raises(ValueError) as e:
        load_tfds(name, normal_class, data_dir=str(tmp_path), download=False,
                  image_shape=image_shape)
    assert error in str(e.value) and len(str(e.value).splitlines()) == 1, str(e.value)


def test_a_class_name_is_looked_up_in_the_prepared_metadata(prepared, tmp_path):
    with pytest.raises(ValueError, match="'three' is not a class of TensorFlow Datasets 'mnist'; "
                       "classes: 0, 1, 2"):
        load_tfds("mnist", "three", data_dir=prepared["data_dir"], download=False)
    # Before the data is there, only a number's range can be checked.
    with pytest.raises(FileNotFoundError, match="not prepared"):
        load_tfds("mnist", "three", data_dir=str(tmp_path), download=False)


def test_cli_refuses_bad_tfds_names_and_flags(tmp_path):
    malformed = lsa_keras_main("train", "--dataset", "tfds:Not A Name", "--normal-class", "1",
                               "--out", tmp_path / "r")
    assert malformed.returncode == 2 and "invalid choice: 'tfds:Not A Name'" in malformed.stderr
    for argv, message in (
            (["--dataset", "tfds:mnsit"], "unknown TensorFlow Datasets name 'mnsit'"),
            (["--dataset", "tfds:oxford_flowers102"], "pass image_shape (on the command line, "
                                                      "--architecture)"),
            (["--dataset", "mnist-sample", "--no-download"], "--no-download applies to"),
            (["--dataset", "mnist-sample", "--architecture", "mnist"],
             "--architecture applies to --dataset folder and tfds:NAME only")):
        refused = lsa_keras_main("train", *argv, "--normal-class", "1", "--data-dir", tmp_path,
                                 "--out", tmp_path / "r")
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert message in refused.stderr, refused.stderr
