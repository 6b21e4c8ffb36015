"""Helpers of the research tests."""

import importlib.util
import os

RESEARCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_script(name):
    """The script ``research/<name>.py`` as a module (its ``main`` is not run)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(RESEARCH, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
