"""The suite's shared test case, in the manner of KerasHub's ``TestCase``: one place for the
checks every layer, model and preset test runs, and for the small models, inputs and files they
run them on.

- :func:`run_layer_test`: build, call, output shape, ``get_config``/``from_config``, and
  serialisation through ``keras.saving`` with the same output from the same weights.
- :func:`run_batch_norm_folding_test`: a block's folded inference equals its layer-by-layer one.
- :func:`run_model_saving_test`: ``.keras`` save/load and ``save_pretrained``/``from_pretrained``
  give the same outputs, scores, threshold and labels.
- :func:`run_preset_test`: a preset (zoo name, Hub handle or folder) loads with the metadata
  expected of it and scores images.

The suite is plain-function pytest, so these are functions (no class to inherit from).
"""

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np

from lsa_keras import LSA

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_example(name):
    """The script ``examples/<name>.py`` as a module (its ``main`` is not run)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def tiny_lsa(code_length=8, bins=10, units=(4,), lam=1.0):
    """An MNIST-shaped LSA with a small code and estimator, fast to build and train."""
    return LSA.from_architecture(
        "mnist", code_length=code_length, bins=bins, estimator_units=units, lam=lam
    )


def shanghaitech_lsa(frame_size=(64, 128)):
    """The ShanghaiTech LSA (the paper's blocks, strides, code and estimator) for frames of
    ``frame_size`` instead of 256x512: the same networks at a fraction of the cost."""
    return LSA.from_architecture("shanghaitech", input_shape=(16, *frame_size, 3))


def mnist_like(n, seed=0):
    return np.random.RandomState(seed).rand(n, 28, 28, 1).astype("float32")


def write_image(path, array, fmt=None):
    """Encode ``array`` (h, w, c) uint8 into the file format its extension names.

    PIL rather than tf.io, so the PyTorch test stage never loads TensorFlow next to torch
    (the two native runtimes in one process crashed a torch train step).
    """
    from PIL import Image

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fmt = (fmt or os.path.splitext(path)[1]).lower().lstrip(".")
    array = np.asarray(array, dtype="uint8")
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    image.save(path, format={"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}[fmt], quality=95)


def image_tree(root, classes=("cat", "dog"), per_class=3, size=(8, 8), channels=3, ext=".png"):
    """Random images written as ``<root>/<class>/NNNN<ext>`` (a flat folder for class ``""``);
    returns ``{relative path: array}``."""
    rng = np.random.RandomState(0)
    arrays = {}
    for c in classes:
        for i in range(per_class):
            a = rng.randint(0, 256, (*size, channels)).astype("uint8")
            name = f"{c}/{i:04d}{ext}" if c else f"{i:04d}{ext}"
            write_image(os.path.join(root, name), a)
            arrays[name] = a
    return arrays


def write_idx(path, array, compress=True):
    """Write ``array`` as an MNIST IDX file (uint8), gzipped unless ``compress`` is False."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    data = header + array.astype("uint8").tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)
    return path


def tiny_mnist(folder, n_train=80, n_test=30):
    """Random-pixel MNIST IDX files in ``folder``, labels cycling 0..9."""
    rng = np.random.RandomState(0)
    os.makedirs(folder, exist_ok=True)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        write_idx(os.path.join(folder, f"{stem}-images-idx3-ubyte.gz"),
                  rng.randint(0, 256, (n, 28, 28)))
        write_idx(os.path.join(folder, f"{stem}-labels-idx1-ubyte.gz"), np.arange(n) % 10)


ENTRY_POINT = shutil.which("lsa-keras", path=os.path.dirname(sys.executable))


def lsa_keras_cmd(*args, cwd=None, env=None):
    """Run the installed `lsa-keras` console script, with ``env`` added to this process'
    environment; the completed process."""
    assert ENTRY_POINT, "the lsa-keras console script is not installed next to this Python"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env or {}))
    return subprocess.run([ENTRY_POINT, *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env=env)


class Batches(keras.utils.PyDataset):
    """A ``keras.utils.PyDataset`` of ``x`` in batches of ``batch_size`` (the last may be
    smaller); with ``with_labels``, ``(images, zeros)`` tuples."""

    def __init__(self, x, batch_size=8, with_labels=False):
        super().__init__()
        self.x, self.batch_size, self.with_labels = x, batch_size, with_labels

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        batch = self.x[i * self.batch_size:(i + 1) * self.batch_size]
        return (batch, np.zeros(len(batch))) if self.with_labels else batch


def lsa_keras_main(*args):
    """Run ``lsa-keras *args`` in this process (``lsa_keras.cli.main``): what the entry point
    does, without a new interpreter importing TensorFlow (seconds per call). A completed process
    (``returncode``, ``stdout``, ``stderr``) as :func:`lsa_keras_cmd` returns."""
    import contextlib
    import io

    from lsa_keras.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in args])
        except SystemExit as e:
            status = e.code
    return subprocess.CompletedProcess(list(args), status, out.getvalue(), err.getvalue())


def ok(proc):
    """``proc`` if it exited 0, else an assertion error with the end of its output."""
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return proc


def write_shanghaitech(root, n_train=2, n_test=2, frames=20, size=(48, 86), avi=True, seed=0):
    """A tiny dataset in ShanghaiTech's layout: training videos as ``.avi`` (OpenCV, MJPG) or
    as frame folders, test frame folders, ``test_frame_mask`` labels and ``test_pixel_mask``.

    Coloured squares drift over a fixed textured background; in every test video a fast square
    crosses the scene during the middle third of the frames (those frames are labelled 1).
    """
    rng = np.random.default_rng(seed)
    h, w = size
    background = rng.integers(60, 180, (h, w, 3)).astype("float32")

    def video(anomalous):
        squares = [(rng.uniform(0, h - 8), rng.uniform(0, w - 8),
                    rng.choice([-1, 1], 2) * rng.uniform(1, 2, 2))
                   for _ in range(2)]
        out, masks = [], np.zeros((frames, h, w), bool)
        for t in range(frames):
            frame = background.copy()
            for y, x, v in squares:
                r, c = int(y + v[0] * t) % (h - 8), int(x + v[1] * t) % (w - 8)
                frame[r:r + 8, c:c + 8] = (250, 30, 30)
            if anomalous and frames // 3 <= t < 2 * frames // 3:
                c = (5 * t) % (w - 10)
                frame[h // 2:h // 2 + 10, c:c + 10] = (20, 250, 20)
                masks[t, h // 2:h // 2 + 10, c:c + 10] = True
            out.append(np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype("uint8"))
        return np.stack(out), masks

    for k in range(n_train):
        name = f"01_{k + 1:03d}"
        frames_rgb, _ = video(False)
        if avi:
            import cv2

            os.makedirs(os.path.join(root, "training", "videos"), exist_ok=True)
            writer = cv2.VideoWriter(os.path.join(root, "training", "videos", name + ".avi"),
                                     cv2.VideoWriter_fourcc(*"MJPG"), 24, (w, h))
            for f in frames_rgb:
                writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
            writer.release()
        else:
            for t, f in enumerate(frames_rgb):
                write_image(os.path.join(root, "training", "frames", name, f"{t:03d}.jpg"), f)
    for k in range(n_test):
        name = f"01_{k + 1:04d}"
        frames_rgb, masks = video(True)
        for t, f in enumerate(frames_rgb):
            write_image(os.path.join(root, "testing", "frames", name, f"{t:03d}.jpg"), f)
        for sub, array in (("test_frame_mask", masks.reshape(frames, -1).any(1).astype("int64")),
                           ("test_pixel_mask", masks.astype("uint8"))):
            os.makedirs(os.path.join(root, "testing", sub), exist_ok=True)
            np.save(os.path.join(root, "testing", sub, name + ".npy"), array)
    return root


# --- The shared checks ------------------------------------------------------------------------


def run_layer_test(layer, input_data, expected_output_shape=None, call_kwargs=None,
                   init_kwargs=None):
    """Build and call ``layer`` on ``input_data``, then check what every layer must do.

    - the output has ``expected_output_shape`` (when given), as ``compute_output_shape`` says;
    - ``from_config(get_config())`` gives a layer of the same config;
    - ``keras.saving`` serialises it to JSON and back, and the copy, given the same weights,
      computes the same output exactly, with as many parameters.

    Args:
        layer: a layer, or a layer class built with ``init_kwargs``.
        input_data: the input array.
        expected_output_shape: the output's shape, or None not to check it.
        call_kwargs: keyword arguments of every call (``{"training": False}``).
        init_kwargs: the class's arguments when ``layer`` is a class.

    Returns:
        The deserialised copy.
    """
    call_kwargs = call_kwargs or {}
    if isinstance(layer, type):
        layer = layer(**(init_kwargs or {}))
    y = to_numpy(layer(input_data, **call_kwargs))
    assert layer.built
    if expected_output_shape is not None:
        assert tuple(y.shape) == tuple(expected_output_shape)
        assert tuple(layer.compute_output_shape(input_data.shape)) == tuple(expected_output_shape)
    config = layer.get_config()
    assert layer.__class__.from_config(config).get_config() == config
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    clone = keras.saving.deserialize_keras_object(serialized)
    if not clone.built:
        clone.build(input_data.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(to_numpy(clone(input_data, **call_kwargs)), y)
    assert clone.count_params() == layer.count_params()
    return clone


def run_batch_norm_folding_test(block, x):
    """``block``'s inference with each batch normalisation folded into its convolution equals
    the layer-by-layer inference, and the fold reads the live statistics."""
    block = with_moved_statistics(block, x)
    folded = to_numpy(block(x, training=False))
    block.fold_batch_norm = False
    layer_by_layer = to_numpy(block(x, training=False))
    np.testing.assert_allclose(folded, layer_by_layer, rtol=1e-5, atol=1e-5)
    # The fold reads the live statistics: reset them and its output moves.
    block.fold_batch_norm = True
    for layer in batch_norm_layers(block):
        layer.moving_mean.assign(np.zeros(layer.moving_mean.shape, "float32"))
        layer.moving_variance.assign(np.ones(layer.moving_variance.shape, "float32"))
    assert np.abs(to_numpy(block(x, training=False)) - folded).max() > 1e-2


def is_calibrated(model):
    """Whether ``model.calibrate`` has stored its normalisation statistics."""
    return float(to_numpy(model.calibrated)) == 1.0


def run_model_saving_test(model, input_data, folder, metadata=None, rtol=1e-5, ns_atol=1e-2):
    """Save ``model`` as a ``.keras`` file and (when calibrated) as a pretrained folder, load
    both, and check they compute what ``model`` does.

    The network outputs must be equal to the last bit and the weights identical. Scores of two
    separately built graphs agree to float32 rounding: ``llk`` and ``rec`` to ``rtol``, and
    ``ns``, which magnifies them by the inverse of the calibration range (wide on a barely
    trained model's few validation images), to ``ns_atol``; the threshold and the labels must be
    the same.

    Args:
        model: an :class:`lsa_keras.LSA`.
        input_data: images to compare on.
        folder: an empty folder for the saved files.
        metadata: ``save_pretrained``'s metadata.

    Returns:
        ``(from_keras_file, from_pretrained_folder)``, the second None for an uncalibrated model.
    """
    import lsa_keras

    expected = {k: to_numpy(v) for k, v in model(input_data, training=False).items()}
    path = os.path.join(folder, "model.keras")
    model.save(path)
    loaded = [keras.saving.load_model(path)]
    if is_calibrated(model):
        model.save_pretrained(os.path.join(folder, "pretrained"), metadata)
        loaded.append(lsa_keras.from_pretrained(os.path.join(folder, "pretrained")))
    for other in loaded:
        assert isinstance(other, LSA) and other.count_params() == model.count_params()
        got = other(input_data, training=False)
        for k in expected:
            np.testing.assert_array_equal(to_numpy(got[k]), expected[k])
    if len(loaded) == 1:
        return loaded[0], None
    scores, labels = model.score(input_data), model.predict_label(input_data)
    for other in loaded:
        assert other.threshold_ == model.threshold_
        for a, b in zip(other.weights, model.weights):
            np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
        got = other.score(input_data)
        for k in ("llk", "rec"):
            np.testing.assert_allclose(got[k], scores[k], rtol=rtol)
        np.testing.assert_allclose(got["ns"], scores["ns"], atol=ns_atol)
        np.testing.assert_array_equal(other.predict_label(input_data), labels)
    return loaded[0], loaded[1]


def run_preset_test(preset, input_data, expected_metadata=None, expected_scores=None,
                    rtol=1e-6, **load_kwargs):
    """Load ``preset`` (a zoo name, an ``hf://`` handle or a folder) with
    ``lsa_keras.from_pretrained`` and check it is the model the preset describes.

    - each ``expected_metadata`` item equals the loaded model's ``pretrained_metadata``'s;
    - it scores ``input_data``: finite float64 ``llk``, ``rec`` and ``ns`` of shape ``(n,)``,
      equal to ``expected_scores`` (to ``rtol``) when given, and labels ``ns > threshold_``.

    Returns:
        The loaded model.
    """
    import lsa_keras

    model = lsa_keras.from_pretrained(preset, **load_kwargs)
    metadata = model.pretrained_metadata
    for key, value in (expected_metadata or {}).items():
        assert metadata.get(key) == value, f"{preset}: metadata {key!r} is " \
                                           f"{metadata.get(key)!r}, expected {value!r}"
    scores = model.score(input_data)
    for k in ("llk", "rec", "ns"):
        assert scores[k].dtype == np.float64 and scores[k].shape == (len(input_data),)
        assert np.isfinite(scores[k]).all()
        if expected_scores is not None:
            np.testing.assert_allclose(scores[k], expected_scores[k], rtol=rtol, atol=0)
    np.testing.assert_array_equal(model.predict_label(input_data),
                                  (scores["ns"] > model.threshold_).astype(int))
    return model


# --- Small inputs and models ------------------------------------------------------------------


def rand(*shape, seed=0):
    """Uniform float32 values in [0, 1) of ``shape``, the same for the same seed."""
    return np.random.RandomState(seed).rand(*shape).astype("float32")


def batch_norm_layers(block):
    """The batch normalisations of a :class:`~lsa_keras.layers.conv_block.ConvBlock`, main
    branch then shortcut."""
    return [layer for layer in (*block.main, *block.shortcut)
            if isinstance(layer, keras.layers.BatchNormalization)]


def with_moved_statistics(block, x):
    """Build ``block`` and give every batch normalisation non-trivial weights and statistics."""
    block(x, training=False)
    rng = np.random.RandomState(3)
    for layer in batch_norm_layers(block):
        n = layer.gamma.shape[0]
        layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
        layer.beta.assign(rng.uniform(-0.5, 0.5, n).astype("float32"))
        layer.moving_mean.assign(rng.uniform(-0.3, 0.3, n).astype("float32"))
        layer.moving_variance.assign(rng.uniform(0.2, 2.0, n).astype("float32"))
    return block


def calibrated_tiny_lsa(seed=0):
    """A compiled, briefly trained (so it has Adam's moments), calibrated tiny LSA, and its
    scores of ``mnist_like(6, 2)``: ``(model, scores)``.

    Seeded: the same model whatever ran before in the process. A module-scoped fixture is set
    up before the test's own seeding (conftest ``_seed``), and one unseeded draw in six of this
    barely trained model has so narrow a calibration range that float16 storage moves its NS by
    0.022 instead of under 0.001 (tests/hub/test_pretrained.py's float16 test allows 0.02).
    """
    keras.utils.set_random_seed(seed)
    model = tiny_lsa()
    model.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
    model.calibrate(mnist_like(20, 1))
    return model, model.score(mnist_like(6, 2))


TINY_METRICS = {"auroc_ns": 0.9123, "auroc_llk": 0.8, "auroc_rec": 0.85}


def save_tiny_pretrained(model, folder):
    """``model.save_pretrained(folder)`` as the zoo entry ``tiny-7`` (MNIST, normal class 7,
    :data:`TINY_METRICS`, one epoch); the folder."""
    model.save_pretrained(folder, {"name": "tiny-7", "dataset": "mnist", "normal_class": 7,
                                   "metrics": TINY_METRICS, "schedule": {"epochs": 1}})
    return folder


class PoisonWeights(keras.callbacks.Callback):
    """Turn the weights to NaN at the start of one epoch, as a diverging run would."""

    def __init__(self, epoch):
        super().__init__()
        self.at = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            w = self.model.encoder.trainable_weights[0]
            w.assign(keras.ops.full(w.shape, float("nan")))
