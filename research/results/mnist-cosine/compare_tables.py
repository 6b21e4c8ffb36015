"""The cosine table here against the constant-rate table (``../mnist-constant/``), by the rule in this
folder's README: a mean NS at least the constant-rate table's (.969, as the rule quoted it) and
no more classes more than 0.01 below the paper. ``examples/compare_tables.py`` does the work.

    python examples/results/mnist-cosine/compare_tables.py
"""

import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.argv = [sys.argv[0], HERE, os.path.join(HERE, "..", "mnist-constant"),
            "--names", "cosine", "constant-rate", "--mean", "at-least", "--digits", "3"]
runpy.run_path(os.path.join(HERE, "..", "..", "compare_tables.py"), run_name="__main__")
