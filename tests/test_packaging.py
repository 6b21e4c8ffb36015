import os

import pytest

from tests.helpers import ROOT

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11


def test_every_package_folder_is_listed_in_pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    on_disk = {"lsa_keras.zoo"}
    for folder, dirs, files in os.walk(os.path.join(ROOT, "lsa_keras")):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
        if "__init__.py" in files:
            on_disk.add(os.path.relpath(folder, ROOT).replace(os.sep, "."))
    assert listed == on_disk
    assert setuptools["package-dir"]["lsa_keras.zoo"] == "zoo"
    assert "registry.json" in setuptools["package-data"]["lsa_keras.zoo"]
