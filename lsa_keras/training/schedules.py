"""Learning-rate schedules of LSA training: constant, or cosine decay over the run."""

import math
from typing import Any

import keras

SCHEDULES = ("constant", "cosine")


def learning_rate_schedule(kind: str, lr: float, epochs: int,
                           steps_per_epoch: int) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """Adam's learning rate: ``lr`` itself (``"constant"``), or Keras' ``CosineDecay`` from
    ``lr`` to 1% of it over ``epochs * steps_per_epoch`` steps (``"cosine"``).

    Raises:
        ValueError: if ``kind`` is not ``"constant"`` or ``"cosine"``.
    """
    if kind == "constant":
        return lr
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=epochs * steps_per_epoch, alpha=0.01)
    raise ValueError(f"unknown learning-rate schedule {kind!r}; use 'constant' or 'cosine'.")


def run_learning_rate(kind: str, lr: float, epochs: int, n_train: int,
                      batch_size: int, steps_per_epoch: int | None = None,
                      ) -> tuple[Any, dict[str, Any]]:
    """``(learning_rate, settings)`` for :func:`lsa_keras.training.resumable.train_resumable`:
    the schedule over ``epochs`` of ``n_train`` images in batches of ``batch_size`` (at most
    ``steps_per_epoch`` batches an epoch), and the settings entries that pin it (a decaying
    rate cannot be extended by more epochs)."""
    steps = math.ceil(n_train / batch_size)
    if steps_per_epoch is not None:
        steps = min(steps, int(steps_per_epoch))
    settings = {} if kind == "constant" else {"epochs_of_schedule": epochs}
    return learning_rate_schedule(kind, lr, epochs, steps), settings
