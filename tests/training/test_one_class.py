"""train_one_class's plumbing (its whole flow is tested end to end in
tests/examples/test_reproduction.py and tests/cli/)."""

import math

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


def test_the_schedules_speed_and_dtype_settings_reach_training(monkeypatch, tmp_path):
    from lsa_keras.models.lsa import LSA

    seen, built = {}, {}

    def train_resumable(build_model, *args, **kwargs):
        seen.update(kwargs)
        build_model()
        raise Stop

    def from_architecture(name, **kwargs):
        built.update(kwargs, name=name)

    monkeypatch.setattr(one_class, "train_resumable", train_resumable)
    monkeypatch.setattr(LSA, "from_architecture", from_architecture)
    data = {"x_train": np.zeros((8, 28, 28, 1), np.uint8), "x_val": np.zeros((2, 28, 28, 1), np.uint8),
            "architecture": "mnist"}
    schedule = {"epochs": 1, "batch_size": 4, "learning_rate": 1e-4, "schedule": "constant"}
    with pytest.raises(Stop):
        one_class.train_one_class(data, None, schedule)
    assert seen["jit_compile"] == "auto" and built["dtype"] is None
    # A temporary folder is never resumed: only the last epoch's checkpoint is written.
    assert seen["checkpoint_interval"] == math.inf
    with pytest.raises(Stop):
        one_class.train_one_class(data, str(tmp_path), {**schedule, "jit_compile": True,
                                                        "dtype_policy": "mixed_bfloat16"},
                                  checkpoint_interval=120)
    assert seen["jit_compile"] is True and built["dtype"] == "mixed_bfloat16"
    assert seen["checkpoint_interval"] == 120
    with pytest.raises(Stop):
        one_class.train_one_class(data, str(tmp_path), schedule)
    assert seen["checkpoint_interval"] == 0  # by default a checkpoint every epoch
