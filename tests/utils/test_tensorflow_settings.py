"""Importing lsa_keras leaves the environment alone; the CLI and the example scripts choose
TensorFlow's settings (lsa_keras.utils.tensorflow_settings) before TensorFlow loads, unless
the user chose."""

import ast
import os
import subprocess
import sys
import warnings

import pytest

from lsa_keras.utils.tensorflow_settings import SETTINGS, choose_tensorflow_settings
from tests.test_case import ROOT


def _python(code, **env):
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **env}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_import_changes_no_environment_variable():
    _python("import os; e=dict(os.environ); import lsa_keras; assert dict(os.environ)==e")


def test_cli_chooses_the_settings_before_tensorflow_loads():
    out = _python("import os, sys; import lsa_keras.cli; "
                  "print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'], "
                  "os.environ['TF_ENABLE_ONEDNN_OPTS'], 'tensorflow' in sys.modules)")
    assert out.split() == ["true", "0", "False"]


def test_cli_keeps_the_users_choice():
    out = _python("import os; import lsa_keras.cli; "
                  "print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'], os.environ['TF_ENABLE_ONEDNN_OPTS'])",
                  TF_CPU_ALLOCATOR_USE_BFC="false", TF_ENABLE_ONEDNN_OPTS="1")
    assert out.split() == ["false", "1"]


def test_tensorflow_runs_without_onednn_under_the_chosen_settings():
    # TensorFlow logs whether its oneDNN custom operations are on as it starts.
    code = "import lsa_keras.cli, tensorflow as tf; tf.constant(1.0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=300,
                          env={**{k: v for k, v in os.environ.items() if k not in SETTINGS},
                               "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "oneDNN custom operations are on" not in proc.stderr


def test_only_unset_variables_are_chosen(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    with warnings.catch_warnings():  # TensorFlow is loaded in this process: too late here
        warnings.simplefilter("ignore", RuntimeWarning)
        chosen = choose_tensorflow_settings()
    assert chosen == {k: v for k, v in SETTINGS.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1"
    assert choose_tensorflow_settings() == {}  # all set now


def test_choosing_after_tensorflow_loaded_says_it_is_too_late(monkeypatch):
    monkeypatch.delenv("TF_CPU_ALLOCATOR_USE_BFC", raising=False)
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    with pytest.warns(RuntimeWarning, match="take effect only in processes that set them"):
        assert "TF_CPU_ALLOCATOR_USE_BFC" in choose_tensorflow_settings()


def _imports_before_the_call(tree):
    """Modules imported before ``choose_tensorflow_settings()`` runs: at module level above
    the call, and above it in the function that makes it."""
    def imported(nodes):
        names = []
        for node in nodes:
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names.append(node.module or "")
        return names

    def calls(node):
        return any(isinstance(n, ast.Call) and getattr(n.func, "id", "") ==
                   "choose_tensorflow_settings" for n in ast.walk(node))

    for i, node in enumerate(tree.body):
        if calls(node):
            if isinstance(node, (ast.FunctionDef, ast.If)):
                inner = next(j for j, n in enumerate(node.body) if calls(n))
                return imported(tree.body[:i]) + imported(node.body[:inner])
            return imported(tree.body[:i])
    return None


def test_example_scripts_choose_them_before_importing_tensorflow():
    scripts = ["reproduce_mnist.py", "reproduce_cifar10.py", "ucsd_ped2.py", "01_pretrained.py",
               "02_train_on_a_folder.py", "03_thresholds_and_heatmaps.py", "04_video.py"]
    for name in scripts:
        with open(os.path.join(ROOT, "examples", name)) as f:
            before = _imports_before_the_call(ast.parse(f.read()))
        assert before is not None, f"{name} does not call choose_tensorflow_settings()"
        loading = [m for m in before if m.split(".")[0] in ("keras", "tensorflow", "jax", "torch")
                   or (m.startswith("lsa_keras") and m != "lsa_keras.utils.tensorflow_settings")]
        assert not loading, (name, loading)
