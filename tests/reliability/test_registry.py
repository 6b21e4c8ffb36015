"""Reliability suite: the zoo registry (``presets.json``, or the file ``LSA_KERAS_ZOO_REGISTRY``
names) that ``from_pretrained("tiny-7")`` and ``lsa_keras.zoo.entry`` read.

Every case writes a mutated registry whose entry ``tiny-7`` is a local zoo folder (a copy of one
saved tiny model), the Hub offline, and loads the name through the public API: a clear error
raised by lsa_keras, or the model whose files the registry pins; never a raw ``KeyError`` or
``TypeError`` from a malformed entry, a file read outside the zoo, or a folder the registry does
not vouch for.
"""

import copy
import os
import shutil
import tempfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import lsa_keras
from lsa_keras import zoo
from lsa_keras.hub import pretrained
from lsa_keras.models.lsa import lsa_presets
from tests.reliability.folders import (
    BAD_DIGESTS,
    HOSTILE_KEYS,
    JSON_VALUES,
    RAW_DOCUMENTS,
    assert_no_read_outside,
    check_loaded,
    dump,
    watch_opens,
    zoo_environment,
)
from tests.reliability.harness import SETTINGS, expect

NAME = "tiny-7"
# Generated examples (the @example cases run on top): a case that loads the model costs about
# half a second, one refused by the registry's checks a few milliseconds.
REGISTRY_EXAMPLES = 25
FIELDS = ("recipe", "files", "revision", "repo_id", "schedule", "normal_class")
REGISTRY_EDITS = st.one_of(
    st.tuples(st.just("raw"), RAW_DOCUMENTS),
    st.tuples(st.just("whole"), JSON_VALUES),
    st.tuples(st.just("presets"), JSON_VALUES),
    st.tuples(st.just("recipes"), JSON_VALUES),
    st.tuples(st.just("entry"), JSON_VALUES),
    st.tuples(st.just("field"), st.sampled_from(FIELDS), JSON_VALUES),
    st.tuples(st.just("drop field"), st.sampled_from(FIELDS)),
    st.tuples(st.just("hostile key"), HOSTILE_KEYS),
    st.tuples(st.just("hostile name"), st.sampled_from(["../tiny-7", "/tmp/x", "a/b", ".", "..",
                                                       "", "-rf", "tiny 7"])),
    st.tuples(st.just("bad digest"), st.sampled_from(pretrained.MODEL_FILES), BAD_DIGESTS),
    st.tuples(st.just("unpinned"), st.sampled_from([pretrained.CONFIG_FILE,
                                                     pretrained.WEIGHTS_FILE])),
    st.tuples(st.just("wrong digest"), st.sampled_from(pretrained.MODEL_FILES)),
    st.tuples(st.just("published"), st.one_of(st.text(max_size=45), JSON_VALUES),
              st.one_of(st.sampled_from(["org/tiny-7", "org", "a/b/c", "../x"]), JSON_VALUES)),
)


@pytest.fixture(scope="module")
def saved(tiny_pretrained):
    """The reliability suite's calibrated tiny model folder, and a registry that pins its four
    files."""
    folder = tiny_pretrained[0]
    recipes = lsa_presets.load_presets(os.path.join(
        os.path.dirname(os.path.abspath(lsa_keras.zoo.__file__)), "presets.json"))["recipes"]
    files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
    registry = {"format": lsa_presets.FORMAT, "recipes": {"mnist": recipes["mnist"]},
                "presets": {NAME: {"recipe": "mnist", "normal_class": 7, "repo_id": "org/tiny-7",
                                   "revision": None, "files": files, "metrics": None}}}
    return folder, registry


def edit_registry(registry, edit):
    """The registry bytes ``edit`` makes, and the error text it must end in (or None)."""
    kind = edit[0]
    registry = copy.deepcopy(registry)
    entry = registry["presets"][NAME]
    must = None
    if kind == "raw":
        return edit[1], None
    if kind == "whole":
        return dump(edit[1]), None
    if kind in ("presets", "recipes"):
        registry[kind] = edit[1]
    elif kind == "entry":
        registry["presets"][NAME] = edit[1]
    elif kind == "field":
        entry[edit[1]] = edit[2]
    elif kind == "drop field":
        entry.pop(edit[1], None)
    elif kind == "hostile key":
        entry["files"][edit[1]] = "0" * 64
        must = "not a model file"
    elif kind == "hostile name":  # a zoo name becomes a folder under the zoo dir
        registry["presets"][edit[1]] = copy.deepcopy(entry)
        must = "not plain names"
    elif kind == "bad digest":
        entry["files"][edit[1]] = edit[2]
        must = "not a SHA-256 digest"
    elif kind == "unpinned":
        del entry["files"][edit[1]]
        must = "pins no SHA-256"  # unless the caller trusts it
    elif kind == "wrong digest":
        entry["files"][edit[1]] = "0" * 64
        must = "has SHA-256"  # whatever the caller trusts
    elif kind == "published":
        entry.update(revision=edit[1], repo_id=edit[2])
    return dump(registry), must


@settings(max_examples=REGISTRY_EXAMPLES, **SETTINGS)
@given(edit=REGISTRY_EDITS, trust=st.booleans(), local=st.sampled_from([True] * 3 + [False]))
@example(edit=("hostile key", "../../outside.bin"), trust=True, local=True)
@example(edit=("hostile key", "/etc/hostname"), trust=False, local=True)
@example(edit=("unpinned", pretrained.WEIGHTS_FILE), trust=False, local=True)
@example(edit=("wrong digest", pretrained.CONFIG_FILE), trust=True, local=True)
@example(edit=("raw", b"[" * 100_000 + b"]" * 100_000), trust=False, local=True)
@example(edit=("published", "f" * 40, "org/tiny-7"), trust=False, local=False)
@example(edit=("entry", []), trust=False, local=True)
@example(edit=("hostile name", "../tiny-7"), trust=False, local=True)
@example(edit=("drop field", "recipe"), trust=False, local=True)
def test_registry(saved, edit, trust, local):
    """Malformed entries, hostile ``files`` keys, wrong digest formats, an entry that pins too
    little, broken or deep JSON; with the named folder built locally or not."""
    folder, registry = saved
    data, must = edit_registry(registry, edit)
    if edit[0] == "unpinned" and trust:
        must = None
    sandbox = tempfile.mkdtemp(prefix="lsa-reliability-")
    try:
        zoo_dir = os.path.join(sandbox, "zoo")
        if local:
            shutil.copytree(folder, os.path.join(zoo_dir, NAME))
        with open(os.path.join(sandbox, "outside.bin"), "wb") as f:
            f.write(b"a file no registry may make the loader read")
        path = os.path.join(sandbox, "presets.json")
        with open(path, "wb") as f:
            f.write(data)
        with zoo_environment(path, zoo_dir), watch_opens() as opened:
            expect("lsa_keras.zoo.entry", zoo.entry, NAME)
            loaded, value = expect("from_pretrained: zoo registry", lsa_keras.from_pretrained,
                                   NAME, cache_dir=os.path.join(sandbox, "cache"),
                                   trust_unverified=trust)
        assert_no_read_outside(opened, sandbox, zoo_dir, path, os.path.join(sandbox, "cache"))
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    if loaded:
        check_loaded(value)
        assert local, "loaded a model that is neither built locally nor in the (offline) cache"
    if must is not None and local:
        assert not loaded and must in str(value), value


def test_a_registry_that_is_not_a_regular_file_is_refused_at_once(saved, tmp_path):
    """``LSA_KERAS_ZOO_REGISTRY`` naming a FIFO blocked the first read of the registry for ever;
    a folder or an oversized file is refused as clearly."""
    for kind in ("fifo", "folder", "huge"):
        path = str(tmp_path / f"registry-{kind}")
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            os.mkdir(path)
        else:
            with open(path, "wb") as f:
                f.truncate(lsa_presets.MAX_PRESETS_BYTES + 1)
        with zoo_environment(path, str(tmp_path / "zoo")):
            for fn in (zoo.available, lambda: lsa_keras.from_pretrained(NAME)):
                loaded, _ = expect("from_pretrained: zoo registry", fn, max_seconds=10)
                assert not loaded, kind
