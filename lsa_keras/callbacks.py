"""Training callbacks: stop at the first non-finite loss instead of training on NaN weights."""

import math

import keras


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or Inf; the model's weights are no longer usable."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise :class:`NonFiniteLossError` as soon as a training batch's loss is NaN or Inf.

    ``LSA.fit`` adds this callback unless one is given. Unlike ``keras.callbacks.TerminateOnNaN``
    it raises, so a script or checkpointing loop cannot mistake the diverged run for a finished
    one, and it does so before any ``on_epoch_end`` callback could save the broken weights.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        value = float(keras.ops.convert_to_numpy(loss))
        if not math.isfinite(value):
            self.model.stop_training = True
            raise NonFiniteLossError(
                f"the training loss became {value} at epoch {self.epoch + 1}, batch {batch + 1}; "
                "training stopped and the model's weights are no longer usable. Restore the last "
                "checkpoint and lower the learning rate, or check the data for NaN/Inf."
            )
