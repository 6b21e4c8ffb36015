"""Helpers shared by the tests: a layer round trip, a tiny LSA, image and IDX files, example
scripts loaded as modules."""

import gzip
import importlib.util
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


def assert_layer_round_trip(layer, x, **call_kwargs):
    """get_config/from_config plus weights reproduce the layer's output exactly."""
    y = to_numpy(layer(x, **call_kwargs))
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    if not clone.built:
        clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(to_numpy(clone(x, **call_kwargs)), y)
    assert clone.count_params() == layer.count_params()
    return clone


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


def lsa_keras_cmd(*args, cwd=None):
    """Run the installed `lsa-keras` console script; the completed process."""
    assert ENTRY_POINT, "the lsa-keras console script is not installed next to this Python"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([ENTRY_POINT, *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=cwd, env=env)


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
