"""What the model-folder and registry properties share: a throw-away copy of a saved folder, the
zoo environment of one case, a watch on the files a case opens, and JSON generators.

Hypothesis runs many examples in one test call, so nothing here uses pytest's function-scoped
fixtures (``tmp_path``, ``monkeypatch``): each example makes and removes its own folder and
restores the environment it changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile

import numpy as np
from hypothesis import strategies as st

import lsa_keras
from lsa_keras.hub import pretrained

# Paths opened (Python's "open" audit event: open(), os.open, io.open) while a case runs; None
# when no case is watched. An audit hook cannot be removed, so one is added once and does
# nothing outside a watch.
_OPENED: list[str] | None = None


def _audit(event, args):
    if _OPENED is not None and event == "open" and args and isinstance(args[0], (str, bytes)):
        _OPENED.append(os.path.abspath(os.fsdecode(args[0])))


sys.addaudithook(_audit)


@contextlib.contextmanager
def watch_opens():
    """The list of paths opened inside the block."""
    global _OPENED
    _OPENED = opened = []
    try:
        yield opened
    finally:
        _OPENED = None


def assert_no_read_outside(opened, sandbox, *allowed):
    """Nothing under ``sandbox`` but the ``allowed`` files and folders was opened, and nothing
    under /etc."""
    sandbox = os.path.realpath(sandbox)
    allowed = [os.path.realpath(a) for a in allowed]
    for path in opened:
        real = os.path.realpath(path)
        if real.startswith("/etc/"):
            raise AssertionError(f"{real} was opened")
        if real.startswith(sandbox + os.sep) and not any(
                real == a or real.startswith(a + os.sep) for a in allowed):
            raise AssertionError(f"{real}, outside {', '.join(allowed)}, was opened")


@contextlib.contextmanager
def sandbox_copy(folder):
    """``(sandbox, copy)``: a fresh temporary folder holding ``outside.bin`` and ``outside.h5``
    (a valid weights file, for ExternalLinks), and ``copy`` of ``folder`` under it."""
    sandbox = tempfile.mkdtemp(prefix="lsa-reliability-")
    try:
        copy = os.path.join(sandbox, "models", "m")
        shutil.copytree(folder, copy)
        with open(os.path.join(sandbox, "outside.bin"), "wb") as f:
            f.write(b"a file no model folder may read")
        shutil.copy(os.path.join(folder, pretrained.WEIGHTS_FILE),
                    os.path.join(sandbox, "outside.h5"))
        yield sandbox, copy
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


@contextlib.contextmanager
def zoo_environment(registry, zoo_dir):
    """The zoo registry and local zoo folder of one case, and the Hub offline (this machine has
    no network: a case must never wait on it)."""
    import huggingface_hub.constants

    names = ("LSA_KERAS_ZOO_REGISTRY", "LSA_KERAS_ZOO_DIR", "HF_HUB_OFFLINE")
    saved = {n: os.environ.get(n) for n in names}
    offline = huggingface_hub.constants.HF_HUB_OFFLINE
    os.environ.update(LSA_KERAS_ZOO_REGISTRY=registry, LSA_KERAS_ZOO_DIR=zoo_dir,
                      HF_HUB_OFFLINE="1")
    huggingface_hub.constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        huggingface_hub.constants.HF_HUB_OFFLINE = offline
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


def rehash(folder, names=(pretrained.CONFIG_FILE, pretrained.WEIGHTS_FILE)):
    """Record the current SHA-256 of ``names`` in the folder's metadata.json, as an attacker
    who edits a folder would, so that the edited file itself gets parsed."""
    path = os.path.join(folder, pretrained.METADATA_FILE)
    with open(path) as f:
        meta = json.load(f)
    meta["sha256"] = {n: pretrained.sha256(os.path.join(folder, n)) for n in names}
    with open(path, "w") as f:
        json.dump(meta, f)


def check_loaded(model):
    """A result must be a calibrated LSA with finite weights: it scores at once."""
    assert isinstance(model, lsa_keras.LSA), type(model)
    assert float(model.calibrated.numpy()) == 1.0
    for v, value in zip(model.weights, model.get_weights()):
        assert np.isfinite(value).all(), f"{v.path} is not finite"


# --- JSON generators ---------------------------------------------------------------------------

HUGE_NUMBERS = st.sampled_from([10**400, -(10**400), 2**63, 1e308, -1e308, float("inf"),
                                float("nan"), 0, -1])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), HUGE_NUMBERS,
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20))
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                     st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
# Text that is not a JSON document of the expected kind: broken, deep, huge, not UTF-8.
RAW_DOCUMENTS = st.one_of(
    st.sampled_from([b"", b"{", b"null", b"[]", b"\xff\xfe{}", b'{"a": NaN}', b"1e999999",
                     b"1" * 5000, b'"' + b"x" * 1000 + b'"', b"\x00" * 64]),
    st.sampled_from([1000, 3000, 100_000]).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from([1000, 100_000]).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.binary(max_size=64),
)


def dump(value) -> bytes:
    """``value`` as JSON bytes (Python's NaN/Infinity extension included, as json writes it)."""
    return json.dumps(value).encode()


def nodes(value, path=()):
    """Every ``(path, node)`` of a JSON tree, depth first."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nodes(v, (*path, i))


def replace_at(tree, path, value):
    """``tree`` with the node at ``path`` replaced by ``value`` (a new tree)."""
    if not path:
        return value
    tree = json.loads(json.dumps(tree))
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


def delete_at(tree, path):
    """``tree`` without the dict key or list item at ``path`` (a new tree)."""
    tree = json.loads(json.dumps(tree))
    node = tree
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return tree


# Keys of a hostile sha256 map: paths out of the folder, into subfolders, special names.
HOSTILE_KEYS = st.one_of(
    st.sampled_from(["../../outside.bin", "../outside.bin", "/etc/hostname", "/etc/passwd",
                     "sub/config.json", "./config.json", "config.json/", "CONFIG.JSON", "",
                     ".", "..", "~/x", "model.weights.h5\x00", "models/m/config.json"]),
    st.text(max_size=30).filter(lambda k: k not in pretrained.MODEL_FILES))
BAD_DIGESTS = st.one_of(
    st.sampled_from(["0" * 63, "0" * 65, "A" * 64, "g" * 64, "", " " + "0" * 63]),
    st.text(max_size=70).filter(lambda d: not (len(d) == 64 and set(d) <= set("0123456789abcdef"))),
    st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))
