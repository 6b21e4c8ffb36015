"""Training callbacks: stop at the first non-finite loss instead of training on NaN weights."""

import math

import keras


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or Inf; the model's weights are no longer usable."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raise :class:`NonFiniteLossError` at the end of an epoch whose loss was NaN or Inf.

    ``LSA.fit`` puts this callback first in the list unless one is given, so it raises before
    any later ``on_epoch_end`` (a checkpoint) can save the broken weights. Unlike
    ``keras.callbacks.TerminateOnNaN`` it raises, so a script or checkpointing loop cannot
    mistake the diverged run for a finished one. It looks at the epoch's mean loss (NaN as
    soon as one batch was) rather than at every batch, so Keras need not fetch every step's
    logs from the device.
    """

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        value = float(keras.ops.convert_to_numpy(loss))
        if not math.isfinite(value):
            self.model.stop_training = True
            raise NonFiniteLossError(
                f"the training loss became {value} in epoch {epoch + 1}; training stopped and "
                "the model's weights are no longer usable. Restore the last checkpoint and lower "
                "the learning rate, or check the data for NaN/Inf."
            )
