"""The user's documentation: the README stays short and its links resolve, and the API
reference built by MkDocs (``make docs``) documents every public name."""

import glob
import importlib
import os
import re
import subprocess
import sys
import types

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def test_readme_is_at_most_150_lines():
    with open(README, encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; keep it at most 150"


def test_every_readme_link_to_a_repository_file_resolves():
    with open(README, encoding="utf-8") as f:
        targets = LINK.findall(f.read())
    local = [t for t in targets if not re.match(r"[a-z]+://|mailto:|#", t)]
    assert local, "the README links to no repository file"
    missing = [t for t in local if not os.path.exists(os.path.join(ROOT, t.split("#")[0]))]
    assert not missing, f"README links to files that do not exist: {missing}"


def public_modules():
    import lsa_keras

    names = ["lsa_keras"]
    for name in lsa_keras.__all__:
        if isinstance(getattr(lsa_keras, name), types.ModuleType):
            names.append(f"lsa_keras.{name}")
    return names


def public_names(module_name):
    """``__all__``, or else the public classes and functions the module defines."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        names = [n for n in module.__all__ if not n.startswith("__")]
    else:
        names = [n for n, v in vars(module).items() if not n.startswith("_")
                 and isinstance(v, type | types.FunctionType)
                 and getattr(v, "__module__", "") == module_name]
    return [n for n in names if not isinstance(getattr(module, n), types.ModuleType)]


def resolve(identifier):
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


@pytest.fixture(scope="module")
def api_ids(tmp_path_factory):
    """The anchors of the API pages of a fresh ``mkdocs build --strict``."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e .[docs])")
    pytest.importorskip("mkdocstrings_handlers.python")
    site = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(site)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stderr[-4000:]}"
    ids = set()
    for page in glob.glob(os.path.join(site, "api", "*.html")):
        with open(page, encoding="utf-8") as f:
            ids |= set(re.findall(r'id="(lsa_keras(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"', f.read()))
    return ids


def test_every_public_name_is_in_the_api_reference(api_ids):
    documented = {}
    for identifier in api_ids:
        obj = resolve(identifier)
        if obj is not None:
            documented.setdefault(id(obj), identifier)
    missing = []
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in public_names(module_name):
            if f"{module_name}.{name}" in api_ids:
                continue
            obj = getattr(module, name)
            # The same class or function documented under another public path counts.
            if isinstance(obj, type | types.FunctionType) and id(obj) in documented:
                continue
            missing.append(f"{module_name}.{name}")
    assert not missing, ("public names missing from the API reference (docs/api/*.md): "
                         f"{sorted(missing)}")
