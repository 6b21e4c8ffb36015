"""Importing lsa_keras leaves the environment alone; the CLI and the example scripts ask
TensorFlow for its pooling CPU allocator before TensorFlow loads, unless the user chose."""

import os
import subprocess
import sys

from tests.test_case import ROOT

VAR = "TF_CPU_ALLOCATOR_USE_BFC"


def _python(code, **env):
    base = {k: v for k, v in os.environ.items() if k != VAR}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **env}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_import_changes_no_environment_variable():
    _python("import os; e=dict(os.environ); import lsa_keras; assert dict(os.environ)==e")


def test_cli_chooses_the_pooling_allocator_before_tensorflow_loads():
    out = _python("import os, sys; import lsa_keras.cli; "
                  "print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'], 'tensorflow' in sys.modules)")
    assert out.split() == ["true", "False"]


def test_cli_keeps_the_users_choice():
    out = _python("import os; import lsa_keras.cli; print(os.environ['TF_CPU_ALLOCATOR_USE_BFC'])",
                  **{VAR: "false"})
    assert out.strip() == "false"


def test_example_scripts_set_it_before_importing_tensorflow():
    for name in ("reproduce_mnist.py", "reproduce_cifar10.py", "ucsd_ped2.py"):
        with open(os.path.join(ROOT, "examples", name)) as f:
            source = f.read()
        setting = source.index(f'os.environ.setdefault("{VAR}", "true")')
        assert "import lsa_keras" not in source[:setting] and "from lsa_keras" not in source[:setting]
