import os
import subprocess
import sys
import zipfile

import pytest

from tests.test_case import ROOT

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11


def _setuptools():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def test_every_package_folder_is_listed_in_pyproject():
    setuptools = _setuptools()
    listed = set(setuptools["packages"])
    on_disk = {"lsa_keras.zoo"}
    for folder, dirs, files in os.walk(os.path.join(ROOT, "lsa_keras")):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
        if "__init__.py" in files:
            on_disk.add(os.path.relpath(folder, ROOT).replace(os.sep, "."))
    assert listed == on_disk
    assert setuptools["package-dir"]["lsa_keras.zoo"] == "zoo"
    assert "presets.json" in setuptools["package-data"]["lsa_keras.zoo"]
    assert "py.typed" in setuptools["package-data"]["lsa_keras"]


def test_manifest_leaves_out_the_research_area_and_the_results():
    with open(os.path.join(ROOT, "MANIFEST.in")) as f:
        lines = [line.split() for line in f if line.strip() and not line.startswith("#")]
    assert ["prune", "research"] in lines and ["prune", "examples/results"] in lines
    assert not any("research" in words[1:] for words in lines if words[0] != "prune")


def test_installed_modules_name_no_research_path():
    for folder, _, files in os.walk(os.path.join(ROOT, "lsa_keras")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as f:
                    text = f.read()
                assert "examples/results" not in text and "research/" not in text, name


@pytest.mark.slow
def test_wheel_holds_no_research_module(tmp_path):
    """``python -m build --wheel``: only lsa_keras/ (and its zoo data) in the wheel."""
    pytest.importorskip("build")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), ROOT], check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "lsa_keras/zoo/presets.json" in names and "lsa_keras/py.typed" in names
    assert not [n for n in names if n.startswith(("research", "examples", "tests"))
                or "pooled_runs" in n or "vae.py" in n or "machine.py" in n]
