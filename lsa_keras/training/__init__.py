"""Training: the one train -> calibrate -> save flow, resumable checkpoints, callbacks and
learning-rate schedules."""

from lsa_keras.training.callbacks import NonFiniteLossError, StopOnNonFiniteLoss
from lsa_keras.training.one_class import calibrate_and_save, train_one_class
from lsa_keras.training.resumable import EpochOrder, train_resumable
from lsa_keras.training.schedules import learning_rate_schedule, run_learning_rate

__all__ = ["EpochOrder", "NonFiniteLossError", "StopOnNonFiniteLoss", "calibrate_and_save",
           "learning_rate_schedule", "run_learning_rate", "train_one_class", "train_resumable"]
