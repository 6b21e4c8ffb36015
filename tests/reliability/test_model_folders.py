"""Reliability suite: the files ``from_pretrained`` / ``load_folder`` read from a model folder.

Every case mutates a copy of one saved tiny model's folder and loads it through the public API
(:func:`tests.reliability.harness.expect`): it must end in a correct result (a calibrated LSA
with finite weights) or a clear error raised by lsa_keras, within the harness' time and memory
limits, and open nothing outside the folder (an ``outside.bin`` and ``outside.h5`` lie next to
it, and ``/etc`` is watched).

Most cases play the attacker who edits a file and records its new hash in ``metadata.json``,
so that the edited file itself is parsed; the others leave the hashes alone, and then any
change to the config or the weights must be refused by its hash.
"""

import json
import os

import h5py
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lsa_keras
from lsa_keras.hub import pretrained
from tests.reliability.folders import (
    BAD_DIGESTS,
    HOSTILE_KEYS,
    JSON_VALUES,
    RAW_DOCUMENTS,
    assert_no_read_outside,
    check_loaded,
    delete_at,
    dump,
    nodes,
    rehash,
    replace_at,
    sandbox_copy,
    watch_opens,
)
from tests.reliability.harness import SETTINGS, expect

CONFIG, METADATA, WEIGHTS = pretrained.CONFIG_FILE, pretrained.METADATA_FILE, pretrained.WEIGHTS_FILE
# Generated examples per property (the @example cases run on top), chosen so that the module
# runs in about 15 s on a 2-core machine: a case that gets as far as building the model costs
# about half a second, one refused by a hash or a parser a few milliseconds.
CONFIG_EXAMPLES = 20
METADATA_EXAMPLES = 30
WEIGHTS_EXAMPLES = 12
@pytest.fixture(scope="module")
def saved(tiny_pretrained):
    """The reliability suite's calibrated tiny model folder (every case mutates a copy)."""
    return tiny_pretrained[0]


def load_case(entry, sandbox, folder, **kwargs):
    """Load ``folder`` as one case of ``entry``; check a result and where it read."""
    with watch_opens() as opened:
        loaded, value = expect(entry, lsa_keras.from_pretrained, folder, **kwargs)
    assert_no_read_outside(opened, sandbox, folder)
    if loaded:
        check_loaded(value)
    return loaded, value


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# --- config.json -------------------------------------------------------------------------------

LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "config": {
    "name": "evil", "function": {"class_name": "__lambda__", "config": {
        "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTAKkBTqkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+",
        "defaults": None, "closure": None}}}}
CLASS_NAMES = st.sampled_from(["Lambda", "Functional", "Sequential", "Dense", "NoSuchLayer",
                               "builtins.eval", "os.system", "", "LSA", "__lambda__"])
CONFIG_EDITS = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 10**6), JSON_VALUES),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("class_name"), st.integers(0, 10**6), CLASS_NAMES),
    st.tuples(st.just("module"), st.integers(0, 10**6),
              st.sampled_from(["os", "builtins", "subprocess", "keras.layers", "nowhere", ""])),
    st.tuples(st.just("lambda"), st.integers(0, 10**6)),
    st.tuples(st.just("raw"), RAW_DOCUMENTS),
    st.tuples(st.just("whole"), JSON_VALUES),
)


def edit_config(config, edit):
    """The config.json bytes that ``edit`` makes of ``config``."""
    kind = edit[0]
    if kind == "raw":
        return edit[1]
    if kind == "whole":
        return dump(edit[1])
    if kind == "lambda":  # a Lambda layer in place of a layer config (or the whole model)
        layers = [p for p, n in nodes(config) if isinstance(n, dict) and "class_name" in n]
        return dump(replace_at(config, layers[edit[1] % len(layers)], LAMBDA))
    if kind in ("class_name", "module"):
        targets = [p for p, n in nodes(config) if isinstance(n, dict) and kind in n]
        return dump(replace_at(config, (*targets[edit[1] % len(targets)], kind), edit[2]))
    paths = [p for p, _ in nodes(config)]
    if kind == "delete":
        paths = [p for p in paths if p]
        return dump(delete_at(config, paths[edit[1] % len(paths)]))
    return dump(replace_at(config, paths[edit[1] % len(paths)], edit[2]))


@settings(max_examples=CONFIG_EXAMPLES, **SETTINGS)
@given(edit=CONFIG_EDITS, recorded=st.sampled_from(["rehashed"] * 4 + ["stale"]))
@example(edit=("raw", b"[" * 100_000 + b"]" * 100_000), recorded="rehashed")
@example(edit=("raw", b"1" * 5000), recorded="rehashed")
@example(edit=("lambda", 0), recorded="rehashed")
@example(edit=("lambda", 3), recorded="rehashed")
@example(edit=("class_name", 0, "NoSuchLayer"), recorded="rehashed")
@example(edit=("module", 2, "os"), recorded="rehashed")
def test_config_json(saved, edit, recorded):
    """Malformed, degenerate, hostile (Lambda, code modules, unknown classes) and oversized
    (huge numbers, 100k-deep nesting) configs: a clear error or a working model; one whose
    hash is stale is refused by it."""
    with open(os.path.join(saved, CONFIG)) as f:
        config = json.load(f)
    data = edit_config(config, edit)
    with sandbox_copy(saved) as (sandbox, folder):
        write(os.path.join(folder, CONFIG), data)
        if recorded == "rehashed":
            rehash(folder)
        loaded, value = load_case("from_pretrained: config.json", sandbox, folder)
        if recorded == "stale" and data != dump(config):
            assert not loaded and "has SHA-256" in str(value), value
        if not loaded and recorded == "rehashed" and edit[0] == "lambda":
            assert "safely" in str(value) or "not an lsa_keras" in str(value), value


# --- metadata.json -----------------------------------------------------------------------------

METADATA_EDITS = st.one_of(
    st.tuples(st.just("raw"), RAW_DOCUMENTS),
    st.tuples(st.just("whole"), JSON_VALUES),  # an array, a number, null, a wrong object
    st.tuples(st.just("sha256"), st.one_of(JSON_VALUES, st.none(), st.just({}))),
    st.tuples(st.just("hostile key"), HOSTILE_KEYS),
    st.tuples(st.just("bad digest"), st.sampled_from([CONFIG, WEIGHTS]), BAD_DIGESTS),
    st.tuples(st.just("drop"), st.sampled_from([CONFIG, WEIGHTS])),
    st.tuples(st.just("field"), st.text(max_size=12), JSON_VALUES),  # a free-form field
    st.tuples(st.just("card"), st.booleans()),  # README.md pinned, correctly or not
)


@settings(max_examples=METADATA_EXAMPLES, **SETTINGS)
@given(edit=METADATA_EDITS, trust=st.booleans())
@example(edit=("hostile key", "../../outside.bin"), trust=True)
@example(edit=("hostile key", "/etc/hostname"), trust=False)
@example(edit=("sha256", {}), trust=False)
@example(edit=("raw", b"[" * 100_000 + b"]" * 100_000), trust=True)
def test_metadata_json(saved, edit, trust):
    """Broken or hostile metadata: keys that are paths (``../../outside.bin``,
    ``/etc/hostname``) are refused before anything is hashed, digests must be 64 lowercase hex
    digits, a map that does not cover the config and the weights needs the opt-in."""
    with open(os.path.join(saved, METADATA)) as f:
        meta = json.load(f)
    kind = edit[0]
    expected_error = None
    if kind == "raw":
        data = edit[1]
    elif kind == "whole":
        data = dump(edit[1])
        expected_error = None if isinstance(edit[1], dict) else "must hold a JSON object"
    else:
        meta = dict(meta, sha256=dict(meta["sha256"]))
        if kind == "sha256":
            meta["sha256"] = edit[1]
        elif kind == "hostile key":
            meta["sha256"][edit[1]] = "0" * 64
            expected_error = "not a model file"
        elif kind == "bad digest":
            meta["sha256"][edit[1]] = edit[2]
            expected_error = "not a SHA-256 digest"
        elif kind == "drop":
            del meta["sha256"][edit[1]]
            expected_error = None if trust else f"leaves out {edit[1]}"
        elif kind == "field":
            if edit[1] == "sha256":
                return
            meta[edit[1]] = edit[2]
        elif kind == "card":
            digest = pretrained.sha256(os.path.join(saved, pretrained.CARD_FILE))
            meta["sha256"][pretrained.CARD_FILE] = digest if edit[1] else "f" * 64
            expected_error = None if edit[1] else "README.md has SHA-256"
        data = dump(meta)
    with sandbox_copy(saved) as (sandbox, folder):
        write(os.path.join(folder, METADATA), data)
        loaded, value = load_case("from_pretrained: metadata.json", sandbox, folder,
                                  trust_unverified=trust)
        if expected_error:
            assert not loaded and expected_error in str(value), value
        if loaded and not trust:  # loaded without the opt-in: both files were verified
            recorded = value.pretrained_metadata.get("sha256") or {}
            assert {CONFIG, WEIGHTS} <= set(recorded)
        if not loaded:
            assert pretrained.sha256(os.path.join(sandbox, "outside.bin")) not in str(value)


def test_metadata_json_special_files(saved):
    """metadata.json as a FIFO, a folder, a symlink out of the folder, or larger than the limit:
    refused at once (a FIFO would block a plain read for ever)."""
    for kind in ("fifo", "folder", "huge", "symlink"):
        with sandbox_copy(saved) as (sandbox, folder):
            path = os.path.join(folder, METADATA)
            os.remove(path)
            if kind == "fifo":
                os.mkfifo(path)
            elif kind == "folder":
                os.mkdir(path)
            elif kind == "huge":
                with open(path, "wb") as f:
                    f.truncate(pretrained.MAX_TEXT_BYTES + 1)
            else:
                os.symlink(os.path.join(sandbox, "outside.bin"), path)
            loaded, value = expect("from_pretrained: metadata.json", lsa_keras.from_pretrained,
                                   folder, max_seconds=10)
            assert not loaded, kind


# --- model.weights.h5 --------------------------------------------------------------------------

def _h5_tree(draw_names, draw_arrays):
    return st.dictionaries(draw_names, st.one_of(draw_arrays, st.dictionaries(
        draw_names, draw_arrays, max_size=3)), max_size=4)


ARRAYS = st.one_of(
    st.integers(0, 4).flatmap(lambda n: st.lists(st.floats(width=32), min_size=n, max_size=n))
    .map(lambda v: np.asarray(v, "float32")),
    st.sampled_from([np.zeros((3, 3), "float64"), np.array([b"text"]), np.int64(7),
                     np.zeros((0,), "float32")]))
H5_NAMES = st.sampled_from(["encoder", "decoder", "estimator", "vars", "layers", "0", "1",
                            "optimizer", "junk"])
WEIGHTS_EDITS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                  st.integers(0, 7)), min_size=1, max_size=8)),
    st.tuples(st.just("bytes"), st.binary(max_size=256)),
    st.tuples(st.just("wrong groups"), _h5_tree(H5_NAMES, ARRAYS)),
    st.tuples(st.just("external link"), st.sampled_from(["encoder", "vars", "estimator"])),
    st.tuples(st.just("soft link"), st.sampled_from(["encoder", "vars"])),
    st.tuples(st.just("dataset"), st.integers(0, 10**6),
              st.sampled_from(["shape", "dtype", "bomb", "nan", "scalar"])),
)


def h5_datasets(path):
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
    return names


def edit_weights(path, sandbox, edit):
    """Apply ``edit`` to the weights file at ``path``."""
    kind = edit[0]
    data = open(path, "rb").read()
    if kind == "truncate":
        write(path, data[:int(edit[1] * len(data))])
    elif kind == "flip":
        flipped = bytearray(data)
        for where, bit in edit[1]:
            flipped[int(where * len(data))] ^= 1 << bit
        write(path, bytes(flipped))
    elif kind == "bytes":
        write(path, edit[1])
    elif kind == "wrong groups":
        with h5py.File(path, "w") as f:
            for name, item in edit[1].items():
                if isinstance(item, dict):
                    group = f.create_group(name)
                    for sub, array in item.items():
                        group.create_dataset(sub, data=array)
                else:
                    f.create_dataset(name, data=item)
    elif kind in ("external link", "soft link"):
        with h5py.File(path, "r+") as f:
            del f[edit[1]]
            f[edit[1]] = (h5py.ExternalLink(os.path.join(sandbox, "outside.h5"), "/" + edit[1])
                          if kind == "external link" else h5py.SoftLink("/decoder"))
    else:  # one dataset replaced by a wrong one
        names = h5_datasets(path)
        name = names[edit[1] % len(names)]
        with h5py.File(path, "r+") as f:
            shape, how = f[name].shape, edit[2]
            del f[name]
            if how == "shape":
                f.create_dataset(name, data=np.zeros((*shape, 2), "float32"))
            elif how == "dtype":
                f.create_dataset(name, data=np.array(["x"] * max(1, int(np.prod(shape))), "S1"))
            elif how == "bomb":  # 8 GB declared, a few kilobytes stored
                f.create_dataset(name, shape=(2**31,), dtype="float32", chunks=(2**20,),
                                 compression="gzip")
            elif how == "nan":
                f.create_dataset(name, data=np.full(shape, np.nan, "float32"))
            else:
                f.create_dataset(name, data=np.float32(1))


@settings(max_examples=WEIGHTS_EXAMPLES, **SETTINGS)
@given(edit=WEIGHTS_EDITS, recorded=st.sampled_from(["rehashed"] * 3 + ["stale"]))
@example(edit=("external link", "estimator"), recorded="rehashed")
@example(edit=("dataset", 0, "bomb"), recorded="rehashed")
@example(edit=("dataset", 0, "nan"), recorded="rehashed")
@example(edit=("flip", [(0.5, 3)]), recorded="stale")
@example(edit=("bytes", b""), recorded="rehashed")
def test_weights_file(saved, edit, recorded):
    """Truncated, bit-flipped, empty, random, wrongly grouped HDF5, ExternalLinks out of the
    folder, soft links, wrong shapes and dtypes, a decompression bomb, NaN weights."""
    with sandbox_copy(saved) as (sandbox, folder):
        path = os.path.join(folder, WEIGHTS)
        before = pretrained.sha256(path)
        edit_weights(path, sandbox, edit)
        if recorded == "rehashed":
            rehash(folder)
        loaded, value = load_case("from_pretrained: model.weights.h5", sandbox, folder)
        if recorded == "stale" and pretrained.sha256(path) != before:
            assert not loaded and "has SHA-256" in str(value), value
        if edit[0] == "external link":
            assert not loaded, "an ExternalLink out of the folder was followed"
