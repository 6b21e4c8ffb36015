"""Research-only modules (not installed): pooled runs, the VAE baseline, the one-class runner.

Research scripts run as ``python research/<script>.py`` find this package next to them. Importing
it also puts ``examples/`` on ``sys.path``, so ``reproduction`` (the paper's tables, the results
writer) and ``machine`` (what machine a result came from) import by name.
"""

import os
import sys

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "examples")
if EXAMPLES not in sys.path:
    sys.path.insert(0, EXAMPLES)
