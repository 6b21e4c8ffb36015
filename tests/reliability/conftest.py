"""Fixtures shared by the reliability suite's modules (built once per test run's package)."""

import keras
import pytest

from tests.test_case import mnist_like, save_tiny_pretrained, tiny_lsa, write_image


@pytest.fixture(scope="package")
def tiny_pretrained(tmp_path_factory):
    """A calibrated tiny model saved as the pretrained folder ``tiny-7``, and a folder of three
    28x28 PNGs to score: ``(model_folder, images_folder)``. Read-only: copy before changing.

    Calibrated but not trained: the suite checks what the command and the loaders do with
    their input, not the scores' quality, and a training step's compilation would cost 10 s
    of the suite's budget (tests.test_case.calibrated_tiny_lsa trains one)."""
    root = tmp_path_factory.mktemp("tiny-pretrained")
    keras.utils.set_random_seed(0)
    model = tiny_lsa()
    model.calibrate(mnist_like(20, 1), verbose=0)
    folder = save_tiny_pretrained(model, str(root / "tiny-7"))
    for i in range(3):
        write_image(str(root / "images" / f"{i}.png"), mnist_like(1, i)[0] * 255)
    return folder, str(root / "images")
