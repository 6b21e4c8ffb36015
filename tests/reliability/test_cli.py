"""The ``lsa-keras`` command under generated argument lists: every subcommand (train, evaluate,
score, sample, zoo list/download/build/publish), ``--backend``, ``--verbose`` and ``--help``,
with malformed, degenerate, hostile and oversized values: nan, inf, negative and huge numbers,
empty and unicode strings, missing, unreadable, non-folder and device paths (``/dev/zero``,
``/dev/full``), and hostile model folders.

Each case runs in-process through :func:`tests.reliability.harness.expect_cli`: exit status 0,
2 or 130, one error line, never a traceback. No case trains: every ``train`` and ``zoo build``
argument list holds at least one value the command must refuse before training (and no data
set it could download), and score, evaluate and sample cases use the package's tiny calibrated
model folder. ``HF_HUB_OFFLINE`` and an empty zoo folder keep every case off the network.

Settings: ``tests.reliability.harness.SETTINGS`` (derandomized, no database) and the
``max_examples`` of each property below.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reliability.harness import SETTINGS, expect_cli

# The bounds the command states (lsa_keras.cli); a value inside them may be valid.
MAX_EPOCHS, MAX_BATCH_SIZE, MAX_SAMPLES, MAX_SEED = 100_000, 65_536, 4096, 2**32 - 1

HOSTILE_TEXT = ["", " ", "-", "--", "nan", "inf", "-inf", "1e309", "0x10", "ünïcødé-名前",
                "\u202e", "a" * 300, "..", "~", "$HOME", "%s%n", "../" * 20 + "etc/passwd",
                "hf://", "hf://a", "hf://a/b/c", "hf://a/b@", "mnist-70", "mnist-7"]


def _parses(convert, text):
    try:
        convert(text)
    except (ValueError, OverflowError):
        return False
    return True


def bad_int(low, high):
    """Strings the option of an integer in [low, high] must refuse."""
    return st.one_of(
        st.integers(max_value=low - 1).map(str),
        st.integers(min_value=high + 1).map(str),
        st.sampled_from(["1.5", "nan", "inf", "", " ", "1e3", "٣x", "0x10", "--1"]),
        st.text(max_size=12).filter(lambda t: not _parses(int, t)),
    )


def bad_rate():
    """Learning rates to refuse: not finite, not positive, not a number."""
    def bad(text):
        try:
            return not (math.isfinite(float(text)) and float(text) > 0)
        except ValueError:
            return True
    return st.one_of(
        st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "0", "-0", "-1e-4", ""]),
        st.floats(max_value=0.0).map(repr),
        st.text(max_size=12).filter(bad))


def any_number():
    return st.one_of(st.integers().map(str), st.floats().map(repr), st.sampled_from(HOSTILE_TEXT),
                     st.text(max_size=10))


@pytest.fixture(scope="module")
def world(tiny_pretrained, tmp_path_factory):
    """Paths the cases draw from, the network and the zoo out of reach."""
    folder, images = tiny_pretrained
    root = tmp_path_factory.mktemp("cli-cases")
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("not an image\n")
    (root / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (root / "odd").mkdir()
    (root / "odd" / "a.gif").write_bytes(b"GIF89a" + b"\xff" * 20)
    hostile = {}
    for name, files in {
        "broken-json": {"config.json": "{", "metadata.json": "{}"},
        "list-json": {"config.json": "[]", "metadata.json": "[]"},
        "deep-json": {"config.json": "[" * 50_000 + "]" * 50_000, "metadata.json": "{}"},
        "lambda": {"config.json": json.dumps({"class_name": "Lambda", "config": {
            "function": "os.system"}}), "metadata.json": "{}"},
    }.items():
        (root / name).mkdir()
        for file, text in files.items():
            (root / name / file).write_text(text)
        hostile[name] = str(root / name)
    cut = root / "truncated"
    shutil.copytree(folder, cut)
    with open(cut / "model.weights.h5", "r+b") as f:
        f.truncate(1000)
    looped = root / "looped"
    looped.mkdir()
    (looped / "config.json").symlink_to(looped / "config.json")
    devices = root / "devices"
    devices.mkdir()
    for name in ("config.json", "metadata.json", "model.weights.h5"):
        (devices / name).symlink_to("/dev/zero")
    models = [folder, str(cut), str(looped), str(devices), *hostile.values(),
              str(root / "empty"), str(root / "notes.txt"), str(root / "missing"), "/dev/zero",
              *HOSTILE_TEXT]
    paths = [images, str(root / "empty"), str(root / "notes.txt"), str(root / "fake.png"),
             str(root / "odd"), str(root / "missing"), "/dev/zero", "/dev/null", "/proc/self",
             *HOSTILE_TEXT]
    outs = [str(root / "out" / "x"), str(root / "empty"), "/dev/null", "/dev/full",
            "/dev/zero/x", str(root / "notes.txt") + "/x", *HOSTILE_TEXT]
    with pytest.MonkeyPatch.context() as mp:
        from huggingface_hub import constants

        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setattr(constants, "HF_HUB_OFFLINE", True)
        mp.setattr(constants, "HF_HUB_CACHE", str(root / "hf-cache"))
        mp.setenv("LSA_KERAS_ZOO_DIR", str(root / "zoo"))
        mp.delenv("LSA_KERAS_DATA_DIR", raising=False)
        mp.chdir(root)  # relative outputs land in the case folder
        yield {"folder": folder, "images": images, "models": models, "paths": paths,
               "outs": outs, "root": root}


# A draw that is True in a quarter of the cases: the valid cases, which run the model, are the
# costly ones.
VALID_ONCE_IN_FOUR = st.sampled_from([True, False, False, False])


def options(pairs):
    """argv words of the ``(flag, value)`` pairs whose value is not None."""
    return [w for flag, value in pairs if value is not None for w in (flag, value)]


def maybe(strategy):
    return st.none() | strategy


# --- train and zoo build: always one value to refuse before any training ------------------------


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_train(world, data):
    draw = data.draw
    numeric = {"--epochs": bad_int(1, MAX_EPOCHS), "--batch-size": bad_int(1, MAX_BATCH_SIZE),
               "--learning-rate": bad_rate(), "--seed": bad_int(0, MAX_SEED)}
    refused = draw(st.sampled_from(sorted(numeric)))
    pairs = [(refused, draw(numeric[refused]))]
    pairs += [(flag, draw(maybe(any_number()))) for flag in sorted(numeric) if flag != refused]
    dataset = draw(st.sampled_from(["mnist-sample", "folder", "mnist", "cifar10", "", "ü"]))
    pairs += [("--dataset", dataset), ("--normal-class", draw(maybe(st.sampled_from(
        ["0", "12", "-1", "", "x", "ünï", "1.5"])))),
        ("--data-dir", draw(maybe(st.sampled_from(world["paths"])))),
        ("--schedule", draw(maybe(st.sampled_from(["cosine", "linear", ""])))),
        ("--architecture", draw(maybe(st.sampled_from(["mnist", "cifar10", "resnet"])))),
        ("--out", draw(st.sampled_from(world["outs"])))]
    argv = ["train", *options(draw(st.permutations(pairs)))]
    status, _, err = expect_cli(argv)
    assert status == 2, f"{argv} was not refused: {err}"


@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_zoo_build(world, data):
    draw = data.draw
    case = draw(st.sampled_from(["epochs", "classes", "name"]))
    name = draw(st.sampled_from(["mnist", "cifar10", "mnist-7", "cifar10-3"]))
    pairs = [("--zoo-dir", str(world["root"] / "zoo")),
             ("--data-dir", draw(maybe(st.sampled_from(world["paths"]))))]
    classes = []
    if case == "epochs":
        pairs.append(("--epochs", draw(bad_int(1, MAX_EPOCHS))))
    elif case == "classes":
        classes = ["--classes", *draw(st.lists(bad_int(0, 9), min_size=1, max_size=3))]
    else:
        name = draw(st.sampled_from(["mnist-70", "imagenet", "", "ünï", "../mnist-7", "hf://a/b"]))
    argv = ["zoo", "build", name, *options(pairs), *classes]
    status, _, err = expect_cli(argv)
    assert status == 2, f"{argv} was not refused: {err}"


# --- evaluate, score, sample: the tiny model, or something that is not one -----------------------


@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_evaluate(world, data):
    draw = data.draw
    if draw(VALID_ONCE_IN_FOUR):
        status, out, _ = expect_cli(["evaluate", world["folder"], "--dataset", "mnist-sample",
                                     "--normal-class", "7", "--out", str(world["root"] / "eval")])
        assert status == 0 and "| NS |" in out
        assert sorted(os.listdir(world["root"] / "eval")) == [
            "evaluation.json", "ns_histogram.png", "roc.png"]
        return
    model = draw(st.sampled_from(world["models"]))
    dataset = draw(st.sampled_from(["mnist-sample", "folder", "mnist", "cifar10", ""]))
    pairs = [("--dataset", dataset),
             ("--normal-class", draw(maybe(st.sampled_from(["7", "12", "-1", "", "x", "ünï"])))),
             ("--out", draw(st.sampled_from(world["outs"])))]
    if dataset in ("mnist", "cifar10", "folder") or draw(st.booleans()):
        # The full data sets always get a folder, so that nothing is downloaded.
        pairs.append(("--data-dir", draw(st.sampled_from(world["paths"]))))
    argv = ["evaluate", model, *options(pairs)]
    status, out, err = expect_cli(argv)
    if status == 0:
        assert "| NS |" in out


@settings(max_examples=16, **SETTINGS)
@given(data=st.data())
def test_score(world, data):
    draw = data.draw
    if draw(VALID_ONCE_IN_FOUR):  # the tiny model, real images, some hostile paths
        model = world["folder"]
        paths = [world["images"], *draw(st.lists(st.sampled_from(world["paths"]), max_size=2))]
    else:
        model = draw(st.sampled_from(world["models"]))
        paths = draw(st.lists(st.sampled_from(world["paths"]), min_size=1, max_size=3))
    pairs = [("--out", draw(maybe(st.sampled_from(["-", *world["outs"], "scores.csv"])))),
             ("--heatmaps", draw(maybe(st.sampled_from(world["outs"]))))]
    argv = ["score", *options(pairs), "--", model, *paths]  # "-x" words are paths here
    status, out, err = expect_cli(argv)
    if status == 0 and out:  # the CSV on standard output
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["path", "llk", "rec", "ns", "novel"] and len(rows) > 1


@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_sample(world, data):
    draw = data.draw
    if draw(VALID_ONCE_IN_FOUR):
        model, n = world["folder"], draw(st.sampled_from(["1", "2", "7"]))
        seed = draw(maybe(st.sampled_from(["0", "4294967295"])))
        out = draw(st.sampled_from(["grid.png", "grid.PNG", str(world["root"] / "new" / "g.png"),
                                    "/dev/full"]))
    else:
        model = draw(st.sampled_from(world["models"]))
        n = draw(st.one_of(bad_int(1, MAX_SAMPLES), st.sampled_from(["1", "2", "7"])))
        seed = draw(maybe(st.one_of(bad_int(0, MAX_SEED), st.sampled_from(["0"]))))
        out = draw(st.sampled_from([*world["outs"], "grid.png"]))
    pairs = [("-n", n), ("--seed", seed), ("--out", out)]
    argv = ["sample", model, *options(pairs)]
    status, out, err = expect_cli(argv, max_seconds=30)
    if status == 0:
        assert f"wrote {int(n)} samples" in out


# --- zoo list / download / publish, --backend, --verbose, --help ---------------------------------


@settings(max_examples=20, **SETTINGS)
@given(data=st.data())
def test_zoo_and_global_options(world, data):
    draw = data.draw
    names = st.sampled_from(HOSTILE_TEXT + ["mnist-7", "cifar10-3", "mnist", "hf://org/repo"])
    current = keras.backend.backend()  # another backend would re-execute pytest itself
    command = draw(st.sampled_from([
        ["zoo", "list"],
        ["zoo", "download", draw(names), "--cache-dir", str(world["root"] / "hf-cache")],
        ["zoo", "publish", draw(names), "--zoo-dir", str(world["root"] / "zoo"), "--token", "x"],
        ["zoo", draw(st.sampled_from(["", "lsit", "ünï"]))],
        [draw(st.sampled_from(["", "trian", "--", "-n", "ünï"]))],
        [],
    ]))
    extra = draw(st.lists(st.sampled_from([
        "--verbose", "--backend", current, "--backend=" + current, "--backend=numpy",
        "--backend=", "--help", "-h", "--version", "--"]), max_size=2))
    # --verbose (the global flag) first, the rest after the command, whose name the tally uses.
    argv = [w for w in extra if w == "--verbose"][:1] + command + extra
    status, out, err = expect_cli(argv)
    if status == 0 and ("--help" in argv or "-h" in argv):
        assert "usage:" in out
