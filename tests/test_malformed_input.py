"""Every public scoring and loading function, fed malformed input, raises a clear error that
names what it expected (and never returns a wrong answer)."""

import json
import os

import numpy as np
import pytest

import lsa_keras
from lsa_keras import datasets, scoring, video
from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_sampler as sampling
from tests.test_case import mnist_like, tiny_lsa

GOOD = mnist_like(4)
NAN = GOOD.copy()
NAN[0, 0, 0, 0] = np.nan
INF = GOOD.copy()
INF[1, 3, 3, 0] = np.inf
SHAPE = r"must have shape \(n, 28, 28, 1\)"

# (images, message): each is refused by every function that takes images.
BAD_IMAGES = [
    (GOOD[..., 0], SHAPE + r".*Add the channel axis"),
    (np.repeat(GOOD, 3, axis=-1), SHAPE + r".*takes 1 channel"),
    (mnist_like(2)[:, :, :20], SHAPE),
    (GOOD[None], SHAPE),
    (np.zeros((0, 28, 28, 1), "float32"), "empty"),
    (NAN, "NaN or Inf"),
    (INF, "NaN or Inf"),
    (GOOD * 255.0, r"must be in \[0, 1\].*divide"),
    (-GOOD, r"must be in \[0, 1\]"),
    ((GOOD * 255).astype("int64"), "uint8 in \\[0, 255\\] or floats"),
    (np.array([["a"] * 28] * 28)[None, ..., None], "uint8 in \\[0, 255\\] or floats"),
    ([np.zeros((28, 28, 1)), np.zeros((27, 28, 1))], "equally sized"),
]


@pytest.fixture(scope="module")
def model():
    m = tiny_lsa()
    m.calibrate(mnist_like(6, 1))
    return m


def image_functions(model):
    return {
        "score": model.score,
        "decision_function": model.decision_function,
        "predict_label": model.predict_label,
        "calibrate": model.calibrate,
        "per_sample_scores": lambda x: scoring.per_sample_scores(model, x),
        "fit": lambda x: model.fit(x, epochs=1, verbose=0),
        "fit validation_data": lambda x: model.fit(GOOD, validation_data=(x,), epochs=1,
                                                   verbose=0),
    }


@pytest.mark.parametrize("images,message", BAD_IMAGES,
                         ids=[f"bad{i}" for i in range(len(BAD_IMAGES))])
def test_image_functions_refuse_malformed_images(model, images, message):
    for name, fn in image_functions(model).items():
        if name.startswith("fit") and "empty" in message:
            continue  # Keras refuses an empty dataset itself
        with pytest.raises(ValueError, match=message):
            fn(images)


def test_uint8_and_float_images_give_the_same_scores(model):
    x8 = (GOOD * 255).round().astype("uint8")
    np.testing.assert_allclose(model.score(x8)["ns"], model.score(x8 / 255.0)["ns"], rtol=1e-5)
    single = model.score(x8[0])["ns"]
    assert single.shape == (1,)


def test_other_scoring_arguments(model):
    with pytest.raises(ValueError, match="fpr must be in"):
        model.calibrate(GOOD, fpr=0.0)
    with pytest.raises(ValueError, match="fpr must be in"):
        model.calibrate(GOOD, fpr=float("nan"))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.score(GOOD, batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.calibrate(GOOD, batch_size=0)
    with pytest.raises(ValueError, match="call model.calibrate"):
        tiny_lsa().score(GOOD)
    with pytest.raises(ValueError, match="lam .* must be a finite number"):
        tiny_lsa(lam=float("nan"))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sampling.sample_images(model, 0)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sampling.sample_images(model, 2.5)


@pytest.mark.parametrize("novel,scores,message", [
    ([0, 0, 0], {"ns": [1.0, 2.0, 3.0]}, "both normal"),
    ([0, 1, 2], {"ns": [1.0, 2.0, 3.0]}, "0 \\(normal\\) and 1 \\(novel\\)"),
    ([[0, 1]], {"ns": [1.0, 2.0]}, "1-D array"),
    ([0, 1, 1], {"ns": [1.0, 2.0]}, "has shape"),
    ([0, 1, 1], {"ns": [1.0, np.nan, 3.0]}, "NaN or Inf"),
])
def test_auroc_refuses_malformed_input(novel, scores, message):
    with pytest.raises(ValueError, match=message):
        scoring.auroc(novel, scores)


def test_video_functions_refuse_malformed_input():
    frames = np.zeros((10, 20, 30), "uint8")
    with pytest.raises(ValueError, match=r"grayscale frames \(t, h, w\)"):
        video.resize_video(frames[..., None])
    with pytest.raises(ValueError, match="no frames"):
        video.resize_video(frames[:0])
    with pytest.raises(ValueError, match="uint8"):
        video.resize_video(frames.astype("float32"))
    with pytest.raises(ValueError, match="at least 8 frames"):
        video.score_windows(lambda p: {}, np.zeros((5, 240, 360, 1), "float32"),
                            video.patch_grid())
    with pytest.raises(ValueError, match="at least 16 frames"):
        video.frame_scores({"llk": np.zeros((3, 4))}, 10)
    with pytest.raises(ValueError, match="NaN"):
        video.normalise_per_video({"llk": [0.0, np.nan], "rec": [1.0, 2.0]})


def test_split_refuses_malformed_labels():
    x, y = np.zeros((10, 28, 28, 1), "uint8"), np.arange(10) % 2
    with pytest.raises(ValueError, match="same length"):
        datasets.one_class_split(x, y[:5], x, y, 0)
    with pytest.raises(ValueError, match="does not occur"):
        datasets.one_class_split(x, y, x, y, 7)


def test_loaders_refuse_missing_and_malformed_files(tmp_path):
    missing = str(tmp_path / "nowhere")
    for loader in (datasets.load_mnist, datasets.load_cifar10, datasets.load_image_folder,
                   datasets.load_ucsd, datasets.read_idx):
        with pytest.raises(FileNotFoundError):
            loader(missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No images"):
        datasets.load_image_folder(str(tmp_path / "empty"))
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (garbage / name).write_bytes(b"not an idx file")
    with pytest.raises(ValueError, match="is not an IDX file"):
        datasets.load_mnist(str(garbage))


def test_pretrained_loading_refuses_malformed_sources(tmp_path, model):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        lsa_keras.from_pretrained(str(tmp_path / "nowhere"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        lsa_keras.from_pretrained(str(tmp_path / "file.txt"))
    with pytest.raises(ValueError, match="hf://org/repo"):
        lsa_keras.from_pretrained("hf://just-a-name")
    with pytest.raises(ValueError, match="Unknown pretrained model"):
        lsa_keras.from_pretrained("mnist-")
    with pytest.raises(TypeError, match="name_or_path must be"):
        lsa_keras.from_pretrained(7)
    folder = tmp_path / "m"
    model.save_pretrained(str(folder))
    with pytest.raises(FileNotFoundError, match="not a complete lsa_keras pretrained folder"):
        os.remove(folder / "config.json")
        lsa_keras.from_pretrained(str(folder))
    model.save_pretrained(str(folder))
    (folder / "metadata.json").write_text("{broken")
    with pytest.raises(ValueError, match="metadata.json is not valid JSON"):
        lsa_keras.from_pretrained(str(folder))
    model.save_pretrained(str(folder))
    meta = json.loads((folder / "metadata.json").read_text())
    meta.pop("sha256")
    (folder / "metadata.json").write_text(json.dumps(meta))
    (folder / "config.json").write_text(json.dumps({"format": "other/1"}))
    with pytest.raises(ValueError, match="not an lsa_keras pretrained config"):
        pretrained.load_folder(str(folder), trust_unverified=True)
