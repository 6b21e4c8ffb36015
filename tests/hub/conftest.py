"""Fixtures of the pretrained-folder tests, built from tests.test_case's tiny model."""

import pytest

from tests.test_case import calibrated_tiny_lsa, save_tiny_pretrained


@pytest.fixture(scope="module")
def trained():
    """A compiled, briefly trained (so it has Adam's moments), calibrated tiny model, and its
    scores of ``mnist_like(6, 2)``."""
    return calibrated_tiny_lsa()


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    """That model saved with save_pretrained as the zoo entry ``tiny-7``, and its scores."""
    model, scores = trained
    return save_tiny_pretrained(model, str(tmp_path_factory.mktemp("pretrained") / "tiny-7")), scores
