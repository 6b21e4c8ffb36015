"""train_one_class's plumbing (its whole flow is tested end to end in
tests/examples/test_reproduction.py and tests/cli/)."""

import numpy as np
import pytest

from lsa_keras.training import one_class


class Stop(Exception):
    pass


@pytest.mark.parametrize("augmentation", [None, "horizontal_flip"])
def test_the_schedules_augmentation_reaches_training(monkeypatch, augmentation):
    seen = {}

    def train_resumable(*args, **kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(one_class, "train_resumable", train_resumable)
    data = {"x_train": np.zeros((8, 28, 28, 1), np.uint8), "x_val": np.zeros((2, 28, 28, 1), np.uint8),
            "architecture": "mnist"}
    schedule = {"epochs": 1, "batch_size": 4, "learning_rate": 1e-4, "schedule": "constant"}
    if augmentation:
        schedule["augmentation"] = augmentation
    with pytest.raises(Stop):
        one_class.train_one_class(data, None, schedule)
    assert seen["augmentation"] == augmentation
