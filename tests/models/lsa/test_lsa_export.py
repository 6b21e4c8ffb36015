"""Serving export: the artifacts give model.score's numbers in a process without lsa_keras."""

import subprocess
import sys

import numpy as np
import pytest

from lsa_keras.models.lsa.lsa_export import serving_model
from tests.test_case import (calibrated_tiny_lsa, lsa_keras_main, ok, save_tiny_pretrained,
                             tiny_lsa)

# Run in a fresh interpreter: loads both artifacts with TensorFlow and onnxruntime only, and
# fails if anything imported lsa_keras.
SERVE = """
import sys
import numpy as np
images = np.load(sys.argv[1])
import tensorflow as tf
saved = tf.saved_model.load(sys.argv[2])
out = {"sm_" + k: v.numpy() for k, v in saved.serve(tf.constant(images["float"])).items()}
import onnxruntime
session = onnxruntime.InferenceSession(sys.argv[3])
names = [o.name for o in session.get_outputs()]
out.update({"onnx_" + k: v for k, v in zip(names, session.run(None, {"images": images["uint8"]}))})
assert not [m for m in sys.modules if m.split(".")[0] == "lsa_keras"]
np.savez(sys.argv[4], **out)
"""


@pytest.fixture(scope="module")
def tiny_pretrained(tmp_path_factory):
    model, _ = calibrated_tiny_lsa()
    return model, save_tiny_pretrained(model, tmp_path_factory.mktemp("export") / "tiny")


def test_exported_detector_scores_like_the_model_without_lsa_keras(tiny_pretrained, tmp_path):
    model, folder = tiny_pretrained
    ok(lsa_keras_main("export", folder, "--format", "tf_saved_model", "--out", tmp_path / "sm"))
    ok(lsa_keras_main("export", folder, "--format", "onnx", "--input-dtype", "uint8",
                      "--out", tmp_path / "tiny.onnx"))
    # Five images: the export traced a batch of one, so this checks the dynamic batch axis.
    images = np.random.RandomState(7).randint(0, 256, (5, 28, 28, 1)).astype("uint8")
    np.savez(tmp_path / "images.npz", uint8=images, float=images.astype("float32") / 255.0)
    subprocess.run([sys.executable, "-c", SERVE, tmp_path / "images.npz", tmp_path / "sm",
                    tmp_path / "tiny.onnx", tmp_path / "out.npz"], check=True, timeout=300)
    served = np.load(tmp_path / "out.npz")
    expected = model.score(images)
    labels = model.predict_label(images)
    for prefix, rtol in (("sm_", 1e-5), ("onnx_", 1e-4)):
        for key in ("llk", "rec", "ns"):
            assert served[prefix + key].shape == (5,)
            np.testing.assert_allclose(served[prefix + key], expected[key], rtol=rtol,
                                       atol=rtol, err_msg=prefix + key)
        np.testing.assert_array_equal(served[prefix + "label"], labels)


def test_serving_model_outputs_and_labels_follow_the_threshold(tiny_pretrained):
    model, _ = tiny_pretrained
    images = np.random.RandomState(3).rand(4, 28, 28, 1).astype("float32")
    out = {k: np.asarray(v) for k, v in serving_model(model)(images).items()}
    assert sorted(out) == ["label", "llk", "ns", "rec"]
    np.testing.assert_array_equal(out["label"], (out["ns"] > model.threshold_).astype("int32"))
    np.testing.assert_allclose(out["ns"], model.score(images)["ns"], rtol=1e-5, atol=1e-5)


def test_export_refuses_what_it_cannot_serve(tiny_pretrained, tmp_path):
    model, folder = tiny_pretrained
    with pytest.raises(ValueError, match="no normalisation statistics yet"):
        tiny_lsa().export(str(tmp_path / "raw"))
    with pytest.raises(ValueError, match="format must be one of"):
        model.export(str(tmp_path / "x"), format="tflite")
    with pytest.raises(ValueError, match="input_dtype must be one of"):
        model.export(str(tmp_path / "x"), input_dtype="float16")
    (tmp_path / "taken").mkdir()
    for argv, message in (
            (["--out", tmp_path / "taken"], "exists; export writes a new folder"),
            (["--format", "onnx", "--out", tmp_path / "model.bin"], "must be a .onnx file")):
        proc = lsa_keras_main("export", folder, *argv)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr


@pytest.mark.slow
def test_a_video_model_exports_its_clip_scorer(tmp_path):
    """A UCSD Ped2 model (clips 8x32x32x1) in both formats; minutes of CPU, so marked slow."""
    import keras
    import onnxruntime
    import tensorflow as tf

    import lsa_keras

    keras.utils.set_random_seed(0)
    model = lsa_keras.LSA.from_architecture("ucsd_ped2")
    clips = np.random.RandomState(0).rand(6, *model.image_shape).astype("float32")
    model.calibrate(clips)
    expected = model.score(clips[:3])
    model.export(str(tmp_path / "sm"))
    model.export(str(tmp_path / "clips.onnx"), format="onnx")
    loaded = tf.saved_model.load(str(tmp_path / "sm"))  # kept: serve needs its variables
    saved = loaded.serve(tf.constant(clips[:3]))
    session = onnxruntime.InferenceSession(str(tmp_path / "clips.onnx"))
    onnx = dict(zip([o.name for o in session.get_outputs()],
                    session.run(None, {"images": clips[:3]})))
    for key in ("llk", "rec", "ns"):
        np.testing.assert_allclose(saved[key].numpy(), expected[key], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(onnx[key], expected[key], rtol=1e-4, atol=1e-4)
