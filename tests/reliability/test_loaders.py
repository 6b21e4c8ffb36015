"""Reliability suite: the files the dataset loaders read, and the images ``fit`` and ``score``
take.

Generators of malformed, degenerate, hostile and oversized input for each reader: IDX files
(``read_idx``), tar archives and image folders (``load_image_folder``), the three video layouts
(``load_ucsd``, ``ShanghaiTech``, ``DrEyeVE``), and the arrays and datasets ``LSA.fit`` and
``LSA.score`` take. Every case goes through :func:`tests.reliability.harness.expect`: a correct
result (checked here) or a clear error raised by lsa_keras, within the time and memory limits
(oversized cases get a tight memory limit: refused before they are read). The round trips of
valid files are tests/datasets/test_loader_properties.py's; these are the hostile cases.

Settings: Hypothesis derandomized (``SETTINGS``), the examples per property below, chosen so
that the module runs in about 30 s on a 2-core machine.
"""

import gzip
import io
import os
import tarfile
import tempfile

import keras
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lsa_keras import LSA
from lsa_keras.datasets import DrEyeVE, ShanghaiTech, load_image_folder, load_ucsd, read_idx
from tests.reliability.harness import SETTINGS, expect
from tests.test_case import Batches

IDX_EXAMPLES = 60
TAR_EXAMPLES = 40
FOLDER_EXAMPLES = 30
VIDEO_EXAMPLES = 30
FIT_EXAMPLES = 30
SCORE_EXAMPLES = 30
# Oversized inputs must be refused before they are read: a case may grow peak memory this much.
SMALL_RSS_MB = 64


def png(shape=(4, 4), value=None, seed=0):
    from PIL import Image

    rng = np.random.RandomState(seed)
    array = rng.randint(0, 256, shape).astype("uint8") if value is None else \
        np.full(shape, value, "uint8")
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def scratch():
    return tempfile.TemporaryDirectory(prefix="lsa-reliability-")


# --- IDX --------------------------------------------------------------------------------------

IDX_CODES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
dims = st.one_of(st.integers(0, 6), st.sampled_from([2**16, 2**31 - 1, 2**31, 2**32 - 1]))


@st.composite
def idx_files(draw):
    """(bytes on disk, gzip?, declared shape or None): valid, truncated, too long, hostile
    headers (huge or zero dimensions, 255 of them, unknown types), and gzip bombs."""
    magic = draw(st.one_of(st.sampled_from(sorted(IDX_CODES)), st.integers(0, 255)))
    ndim = draw(st.one_of(st.integers(0, 4), st.just(255)))
    shape = tuple(draw(st.lists(dims, min_size=ndim, max_size=ndim))) if ndim < 8 else \
        (1,) * ndim
    header = bytes([0, 0, magic, ndim]) + b"".join(d.to_bytes(4, "big") for d in shape)
    itemsize = np.dtype(IDX_CODES.get(magic, "u1")).itemsize
    size = int(np.prod(shape, dtype=object)) * itemsize if shape else 0
    payload = draw(st.one_of(
        st.just("exact"), st.just("short"), st.just("long"), st.binary(max_size=64)))
    if payload == "exact" and size <= 4096:
        data = header + bytes(size)
    elif payload == "short":
        data = header + bytes(min(size, 4096) // 2)
    elif payload == "long":
        data = header + bytes(min(size, 4096) + 3)
    else:
        data = header + (payload if isinstance(payload, bytes) else b"")
    cut = draw(st.one_of(st.none(), st.integers(0, max(0, len(data) - 1))))
    if cut is not None:
        data = data[:cut]
    return data, draw(st.booleans())


@settings(max_examples=IDX_EXAMPLES, **SETTINGS)
@given(idx_files())
@example((bytes([0, 0, 0x08, 3]) + b"".join(d.to_bytes(4, "big") for d in (8, 1024, 1024))
          + bytes(8 * 2**20), True))  # an 8 KB gzip file expanding to 8 MiB: refused by
def test_idx(case):                   # read_idx(max_bytes=2**20) below, before it is read
    data, compress = case
    with scratch() as root:
        path = os.path.join(root, "x-idx3-ubyte" + (".gz" if compress else ""))
        with (gzip.open if compress else open)(path, "wb") as f:
            f.write(data)
        ok, value = expect("read_idx", read_idx, path, max_bytes=2**20,
                           max_rss_growth_mb=SMALL_RSS_MB)
    if ok:  # then the header was consistent and the array is exactly the payload
        ndim = data[3]
        shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
        assert value.shape == shape and value.dtype.isnative
        assert value.tobytes() == np.frombuffer(
            data[4 + 4 * ndim:], IDX_CODES[data[2]]).astype(value.dtype).tobytes()


# --- tar archives -----------------------------------------------------------------------------

member_names = st.one_of(
    st.sampled_from(["cat/0.png", "cat/1.png", "dog/0.png", "0.png", "./cat/2.png",
                     "../up.png", "/abs/cat.png", "cat/../../x.png", "a/b/c.png", "cat/.hidden.png",
                     "cat/x.gif", "cat/x.txt", "cat/", "cat/ünïcode.png"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1,
            max_size=20).map(lambda s: s + ".png"))


@st.composite
def tar_members(draw):
    """One member: a name, a kind (image, garbage, empty, symlink, hard link, folder, FIFO,
    a huge declared size) and its content."""
    name = draw(member_names)
    kind = draw(st.sampled_from(["image", "image", "other-size", "garbage", "empty", "symlink",
                                 "hardlink", "dir", "fifo", "huge"]))
    return name, kind


def write_tar(path, members, compress, cut):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind in members:
            info = tarfile.TarInfo(name)
            data = b""
            if kind in ("image", "other-size"):
                data = png((4, 4) if kind == "image" else (5, 3))
            elif kind == "garbage":
                data = b"\x89PNG\r\n\x1a\n not really"
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/hostname"
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, "cat/0.png"
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            if kind == "huge":  # a header declaring 1.5 GB, then the archive ends
                info.size = 1_500_000_000
                tar.fileobj.write(info.tobuf(tar.format, tar.encoding, tar.errors))
                continue
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    blob = buf.getvalue()
    if compress:
        blob = gzip.compress(blob, compresslevel=1)
    if cut is not None:
        blob = blob[: int(len(blob) * cut)]
    with open(path, "wb") as f:
        f.write(blob)


@settings(max_examples=TAR_EXAMPLES, **SETTINGS)
@given(st.lists(tar_members(), max_size=6), st.booleans(),
       st.one_of(st.none(), st.floats(0, 0.99)), st.sampled_from([None, (4, 4), (0, 4), (3, -1)]),
       st.sampled_from([None, 1, 3, 2]))
@example([("cat/huge.jpg", "huge")], True, None, None, None)
@example([("cat/0.png", "image"), ("../up.png", "image")], False, None, None, None)
def test_tar_archives(members, compress, cut, image_size, channels):
    with scratch() as root:
        path = os.path.join(root, "images.tar.gz" if compress else "images.tar")
        write_tar(path, members, compress, cut)
        ok, value = expect("load_image_folder (archive)", load_image_folder, path,
                           image_size=image_size, channels=channels,
                           max_rss_growth_mb=SMALL_RSS_MB)
    if ok:
        check_images(value, image_size, channels)


def check_images(value, image_size, channels):
    images, labels, class_names = value
    assert images.dtype == np.uint8 and images.ndim == 4 and len(images) > 0
    if image_size is not None:
        assert images.shape[1:3] == tuple(image_size)
    if channels is not None:
        assert images.shape[3] == channels
    if labels is None:
        assert class_names == []
    else:
        assert len(labels) == len(images) and labels.max() < len(class_names)


# --- image folders ----------------------------------------------------------------------------

@st.composite
def folder_entries(draw):
    """(relative path, kind): images of two sizes, non-images, empty files, FIFOs, symlinks
    (dangling, to a folder, a loop), at several depths."""
    depth = draw(st.sampled_from(["", "cat/", "dog/", "cat/inner/"]))
    stem = draw(st.sampled_from(["0", "1", "2", ".hidden", "ünï"]))
    ext = draw(st.sampled_from([".png", ".PNG", ".jpg", ".bmp", ".gif", ".txt"]))
    kind = draw(st.sampled_from(["image", "image", "other-size", "gray", "garbage", "empty",
                                 "fifo", "dangling", "loop", "link-dir"]))
    return depth + stem + ext, kind


def write_folder(root, entries):
    for rel, kind in entries:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            continue
        if kind in ("image", "other-size", "gray"):
            shape = {"image": (4, 4, 3), "other-size": (6, 5, 3), "gray": (4, 4)}[kind]
            with open(path, "wb") as f:
                f.write(png(shape))
        elif kind == "garbage":
            with open(path, "wb") as f:
                f.write(b"GIF89a garbage")
        elif kind == "empty":
            open(path, "wb").close()
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "dangling":
            os.symlink(os.path.join(root, "nowhere"), path)
        elif kind == "loop":
            os.symlink(path, path)
        elif kind == "link-dir":
            os.symlink(root, path)


@settings(max_examples=FOLDER_EXAMPLES, **SETTINGS)
@given(st.lists(folder_entries(), max_size=6), st.sampled_from([None, (4, 4), (2, 7)]),
       st.sampled_from([None, 1, 3]))
@example([], None, None)  # an empty folder
@example([("cat/0.png", "image"), ("cat/1.png", "fifo")], None, None)  # a FIFO blocked for ever
def test_image_folders(entries, image_size, channels):
    with scratch() as root:
        folder = os.path.join(root, "images")
        os.makedirs(folder)
        write_folder(folder, entries)
        ok, value = expect("load_image_folder (folder)", load_image_folder, folder,
                           image_size=image_size, channels=channels, max_seconds=20)
    if ok:
        check_images(value, image_size, channels)


# --- video layouts ----------------------------------------------------------------------------

FRAME = (6, 8)


def write_frames(folder, n, damage=None, size=FRAME, ext=".png", mode="L"):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for t in range(n):
        path = os.path.join(folder, f"{t:03d}{ext}")
        shape = size if mode == "L" else (*size, 3)
        if damage == "size" and t == n - 1:
            shape = (size[0] + 1, *shape[1:])
        if damage == "garbage" and t == 0:
            with open(path, "wb") as f:
                f.write(b"not an image")
        elif damage == "fifo" and t == 0:
            os.mkfifo(path)
        else:
            Image.fromarray(np.full(shape, 40 * t % 256, "uint8")).save(path)


# Most videos are sound, so that a case gets past the first video to the files behind it.
damages = st.sampled_from([None] * 8 + ["size", "garbage", "fifo", "empty"])


@st.composite
def ucsd_layouts(draw):
    return {"train": draw(st.lists(damages, max_size=2)),
            "test": draw(st.lists(st.tuples(damages, st.sampled_from(
                ["ok"] * 4 + ["missing", "fewer", "other-size", "garbage"])), max_size=2)),
            "frames": draw(st.integers(1, 3))}


def write_ucsd(root, layout):
    n = layout["frames"]
    for i, damage in enumerate(layout["train"]):
        folder = os.path.join(root, "Train", f"Train{i + 1:03d}")
        os.makedirs(folder, exist_ok=True)
        if damage != "empty":
            write_frames(folder, n, damage, ext=".tif")
    os.makedirs(os.path.join(root, "Train"), exist_ok=True)
    os.makedirs(os.path.join(root, "Test"), exist_ok=True)
    for i, (damage, gt) in enumerate(layout["test"]):
        folder = os.path.join(root, "Test", f"Test{i + 1:03d}")
        os.makedirs(folder, exist_ok=True)
        if damage != "empty":
            write_frames(folder, n, damage, ext=".tif")
        if gt != "missing":
            write_frames(folder + "_gt", n - 1 if gt == "fewer" else n,
                         {"other-size": "size", "garbage": "garbage"}.get(gt), ext=".bmp")


@settings(max_examples=VIDEO_EXAMPLES, **SETTINGS)
@given(ucsd_layouts())
@example({"train": [None], "test": [(None, "ok")], "frames": 2})
def test_ucsd(layout):
    with scratch() as root:
        write_ucsd(root, layout)
        ok, value = expect("load_ucsd", load_ucsd, root, max_seconds=20)
    if ok:
        assert len(value["train"]) == len(layout["train"])
        for video, mask, labels in zip(value["test"], value["test_masks"], value["test_labels"]):
            assert video.shape == mask.shape and labels.shape == (len(video),)


npy_contents = st.sampled_from(["ok"] * 6 + ["missing", "short", "values", "object", "garbage",
                                             "2d", "empty"])


def write_npy(path, kind, n, shape=()):
    """Frame labels (``shape`` ``()``) or pixel masks (``shape`` the frames'), or a damaged
    stand-in."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "missing":
        return
    if kind == "garbage":
        with open(path, "wb") as f:
            f.write(b"\x93NUMPY garbage")
        return
    array = {"ok": np.zeros((n, *shape), "int64"), "short": np.zeros(max(n - 1, 0), "int64"),
             "values": np.full(n, 7), "object": np.array([{"a": 1}] * n, dtype=object),
             "2d": np.zeros((n, 2), "int64"), "empty": np.zeros(0)}[kind]
    np.save(path, array, allow_pickle=True)


@settings(max_examples=VIDEO_EXAMPLES, **SETTINGS)
@given(st.lists(damages, min_size=1, max_size=2),
       st.lists(st.tuples(damages, npy_contents, npy_contents), min_size=1, max_size=2),
       st.integers(1, 3), st.sampled_from([None, (4, 4)]))
@example([None], [(None, "ok", "ok")], 2, (4, 4))
@example([None], [(None, "object", "ok")], 2, None)  # numpy refused it in its own words
@example([None], [(None, "ok", "garbage")], 2, None)
def test_shanghaitech(train, test, n, size):
    with scratch() as root:
        for i, damage in enumerate(train):
            folder = os.path.join(root, "training", "frames", f"01_{i + 1:03d}")
            os.makedirs(folder, exist_ok=True)
            if damage != "empty":
                write_frames(folder, n, damage, ext=".jpg", mode="RGB")
        names = []
        for i, (damage, labels, masks) in enumerate(test):
            name = f"01_{i + 1:04d}"
            names.append(name)
            folder = os.path.join(root, "testing", "frames", name)
            os.makedirs(folder, exist_ok=True)
            if damage != "empty":
                write_frames(folder, n, damage, ext=".jpg", mode="RGB")
            write_npy(os.path.join(root, "testing", "test_frame_mask", name + ".npy"), labels, n)
            write_npy(os.path.join(root, "testing", "test_pixel_mask", name + ".npy"), masks, n,
                      FRAME)

        def read_all():
            data = ShanghaiTech(root, size=size)
            return ([data.train_video(t) for t in data.train_names],
                    [data.test_video(t) for t in data.test_names])

        ok, value = expect("ShanghaiTech", read_all, max_seconds=20)
    if ok:
        for frames, labels, masks in value[1]:
            assert labels.shape == (len(frames),) and set(np.unique(labels)) <= {0, 1}


_good_lines = st.sampled_from(["1 0 2 k", "38 1 3 k", "1 1 3 i", "38 0 99999999999999999999 k",
                               "", "1 0 2 k extra"])
subsequence_lines = st.one_of(
    _good_lines, _good_lines, _good_lines, _good_lines,
    st.sampled_from(["1 2 1 k", "1 -5 3 k", "1 0 2 z", "x y z k", "1 0", "\u00b2 0 2 k"]),
    st.text(max_size=20))


@settings(max_examples=VIDEO_EXAMPLES, **SETTINGS)
@given(st.lists(subsequence_lines, max_size=4), st.one_of(st.none(), st.lists(st.sampled_from(
    ["01 Morning Sunny Countryside D8 train", "38 Night Rainy Downtown D2 test", "01 x",
     "garbage", "\xff\xfe"]), max_size=3)),
       st.lists(st.tuples(st.sampled_from(["01", "02", "38", "39", "\u00b2"]), damages),
                min_size=1, max_size=4, unique_by=lambda s: s[0]).map(
                    lambda seqs: seqs + [(n, None) for n in ("01", "38")
                                         if n not in dict(seqs)]),
       st.integers(1, 3))
@example(["1 0 2 k", "38 1 3 k"], None, [("01", None), ("38", None)], 1)
@example(["1 0 2 k"], ["01 Morning Sunny Countryside D8 train", "\xff\xfe"], [("01", None)], 1)
def test_dreyeve(subsequences, design, sequences, step):
    with scratch() as root:
        with open(os.path.join(root, "subsequences.txt"), "w", encoding="utf-8",
                  errors="surrogatepass") as f:
            f.write("\n".join(subsequences))
        if design is not None:
            with open(os.path.join(root, "dr(eye)ve_design.txt"), "w", encoding="latin-1",
                      errors="replace") as f:
                f.write("\n".join(design))
        for name, damage in sequences:
            folder = os.path.join(root, name, "frames")
            os.makedirs(folder, exist_ok=True)
            if damage != "empty":
                write_frames(folder, 4, damage, ext=".jpg")

        def read_all():
            data = DrEyeVE(root, size=(4, 4), frame_step=step)
            return ([data.train_segments(n, min_length=1) for n in data.train_names],
                    [data.test_video(n) for n in data.test_names])

        ok, value = expect("DrEyeVE", read_all, max_seconds=20)
    if ok:
        for frames, labels in value[1]:
            assert frames.dtype == np.uint8 and labels.shape == (len(frames),)


# --- fit and score inputs ---------------------------------------------------------------------

SHAPE = (8, 8, 1)


def micro_lsa():
    """An LSA of 8x8 images (public constructor): builds and traces in a fraction of a second."""
    encoder = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(),
                                keras.layers.Dense(4, activation="sigmoid")])
    decoder = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64),
                                keras.layers.Reshape(SHAPE)])
    estimator = keras.Sequential([keras.Input((4, 1)), keras.layers.Dense(5)])
    return LSA(encoder, decoder, estimator)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    m = micro_lsa()
    m.fit(np.random.RandomState(0).rand(16, *SHAPE).astype("float32"), batch_size=8, verbose=0)
    m.calibrate(np.random.RandomState(1).rand(16, *SHAPE).astype("float32"))
    return m


@st.composite
def image_inputs(draw):
    """(images, how they are given): dtypes, ranges, NaN/Inf, shapes, empty; as an array, a
    list, a tf.data.Dataset or a keras.utils.PyDataset of batches."""
    n = draw(st.sampled_from([0, 1, 3, 8, 8]))
    shape = draw(st.sampled_from([(n, *SHAPE)] * 4 + [(n, 8, 8), (n, 8, 8, 3), (n, 7, 8, 1),
                                                      SHAPE, (n,)]))
    dtype = draw(st.sampled_from(["uint8", "uint8", "float32", "float32", "float64", "float16",
                                  "int32", "bool", "complex64", "int8"]))
    values = draw(st.sampled_from(["unit", "unit", "unit", "pixels", "negative", "nan", "inf"]))
    rng = np.random.RandomState(draw(st.integers(0, 3)))
    x = rng.rand(*shape) * (255 if values == "pixels" else 1)
    if values == "negative":
        x -= 0.5
    if values in ("nan", "inf") and x.size:
        x.flat[rng.randint(x.size)] = np.nan if values == "nan" else np.inf
    with np.errstate(invalid="ignore"):
        x = x.astype(dtype)
    how = draw(st.sampled_from(["array", "array", "list", "dataset", "pydataset"]))
    return x, how


def given_as(x, how):
    if how == "list":
        return list(x) if x.ndim else x
    if how == "pydataset":
        return Batches(x, 4) if x.ndim else x
    if how == "dataset":
        import tensorflow as tf

        try:
            return tf.data.Dataset.from_tensor_slices(x).batch(4)
        except (ValueError, TypeError, tf.errors.OpError):  # not a dataset tf.data makes
            return x
    return x


def valid(x):
    if x.shape[1:] != SHAPE or len(x) == 0:
        return False
    if x.dtype == np.uint8:
        return True
    return (np.issubdtype(x.dtype, np.floating) and bool(np.isfinite(x).all())
            and x.min() >= 0 and x.max() <= 1)


@settings(max_examples=FIT_EXAMPLES, **SETTINGS)
@given(image_inputs(), st.sampled_from([None, None, 4, 0, -1, 2.5]),
       st.sampled_from([1, 1, 1, 0, -3]))
@example((np.full((8, *SHAPE), 200.0, "float32"), "dataset"), None, 1)  # trained on raw pixels
@example((np.zeros((8, *SHAPE), "uint8"), "pydataset"), 0, 1)
def test_fit_inputs(model, case, batch_size, epochs):
    x, how = case
    if how != "array" and batch_size not in (None, 4):
        batch_size = None  # Keras refuses a batch size with a dataset itself
    ok, history = expect("LSA.fit", model.fit, given_as(x, how), batch_size=batch_size,
                         epochs=epochs, verbose=0)
    if ok:
        assert valid(x) and batch_size in (None, 4) and epochs == 1
        assert np.isfinite(history.history["loss"]).all() and history.history["loss"][0] < 1e3


@settings(max_examples=SCORE_EXAMPLES, **SETTINGS)
@given(image_inputs())
def test_score_inputs(model, case):
    x, how = case
    ok, scores = expect("LSA.score", model.score, given_as(x, how), verbose=0)
    if ok:
        n = 1 if x.shape == SHAPE else len(x)
        assert valid(x if x.shape != SHAPE else x[None])
        for k in ("llk", "rec", "ns"):
            assert scores[k].shape == (n,) and np.isfinite(scores[k]).all()
