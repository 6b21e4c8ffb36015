"""Fixtures shared by the reliability suite's modules (built once per test run's package)."""

import pytest

from tests.test_case import calibrated_tiny_lsa, mnist_like, save_tiny_pretrained, write_image


@pytest.fixture(scope="package")
def tiny_pretrained(tmp_path_factory):
    """A calibrated tiny model saved as the pretrained folder ``tiny-7``, and a folder of three
    28x28 PNGs to score: ``(model_folder, images_folder)``. Read-only: copy before changing."""
    root = tmp_path_factory.mktemp("tiny-pretrained")
    model, _ = calibrated_tiny_lsa()
    folder = save_tiny_pretrained(model, str(root / "tiny-7"))
    for i in range(3):
        write_image(str(root / "images" / f"{i}.png"), mnist_like(1, i)[0] * 255)
    return folder, str(root / "images")
