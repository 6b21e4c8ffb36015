"""Tests of the research area: its scripts (research/*.py) and its modules (research/lab/)."""

import os
import sys

RESEARCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(RESEARCH)
for path in (ROOT, RESEARCH):
    if path not in sys.path:
        sys.path.insert(0, path)

import lab  # noqa: E402,F401  (puts examples/ on sys.path)
