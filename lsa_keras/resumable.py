"""Training that survives interruption: a checkpoint after every epoch, resumed on restart.

``OUT/checkpoint.keras`` holds the model and optimiser state after the last finished epoch,
``OUT/best.weights.h5`` the weights of the epoch with the lowest validation loss and
``OUT/train_state.json`` the epoch count, the best epoch and the settings of the run. Each is
written to a temporary file and moved into place, so an interruption never leaves a
half-written checkpoint.
"""

import json
import math
import os

import keras

from lsa_keras.atomic import write_atomically, write_text_atomically

CHECKPOINT, BEST_WEIGHTS, STATE = "checkpoint.keras", "best.weights.h5", "train_state.json"


class EpochCheckpoint(keras.callbacks.Callback):
    """Save the model, the best weights and the run's state at the end of every epoch."""

    def __init__(self, out_dir, state):
        super().__init__()
        self.out_dir, self.state = out_dir, state

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        val = logs.get("val_loss")
        if val is not None and math.isfinite(val) and val < self.state.get("best_val_loss", math.inf):
            self.state.update(best_val_loss=float(val), best_epoch=epoch + 1)
            write_atomically(os.path.join(self.out_dir, BEST_WEIGHTS), self.model.save_weights)
        self.state["epoch"] = epoch + 1
        self.state.setdefault("history", []).append(
            {k: float(v) for k, v in logs.items() if isinstance(v, (int, float))})
        write_atomically(os.path.join(self.out_dir, CHECKPOINT), self.model.save)
        write_state(self.out_dir, self.state)


def write_state(out_dir, state):
    write_text_atomically(os.path.join(out_dir, STATE), json.dumps(state, indent=2))


def _without_epochs(settings):
    return {k: v for k, v in (settings or {}).items() if k != "epochs"}


def train_resumable(build_model, x, x_val, out_dir, epochs, batch_size, learning_rate,
                    settings, seed=0, verbose=1):
    """Train ``build_model()`` on ``x`` for ``epochs`` epochs, resuming a run in ``out_dir``.

    Args:
        build_model: callable returning a new, uncompiled LSA.
        x, x_val: training and validation images, float in [0, 1].
        settings: JSON-able dict describing the run; a resumed run must have the same (the
            number of epochs may grow: rerunning with more epochs continues training).

    Returns:
        ``(model, state)``: the model with the weights of the lowest validation loss, and the
        run's state (``epoch``, ``best_epoch``, ``best_val_loss``, ``history``).
    """
    os.makedirs(out_dir, exist_ok=True)
    state_path = os.path.join(out_dir, STATE)
    checkpoint = os.path.join(out_dir, CHECKPOINT)
    if os.path.isfile(state_path) and os.path.isfile(checkpoint):
        with open(state_path) as f:
            state = json.load(f)
        state["settings"] = settings
        if _without_epochs(state.get("settings")) != _without_epochs(settings):
            raise ValueError(
                f"{out_dir} holds an unfinished run with other settings ({state.get('settings')}); "
                "use another --out folder, or delete this one to start over."
            )
        model = keras.saving.load_model(checkpoint)
        if verbose:
            print(f"Resuming {out_dir} after epoch {state['epoch']} of {epochs}.", flush=True)
    else:
        state = {"settings": settings, "epoch": 0}
        keras.utils.set_random_seed(seed)
        model = build_model()
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    if state["epoch"] < epochs:
        keras.utils.set_random_seed(seed + state["epoch"])  # a fresh batch order after a resume
        model.fit(x, batch_size=batch_size, epochs=epochs, initial_epoch=state["epoch"],
                  validation_data=(x_val,), callbacks=[EpochCheckpoint(out_dir, state)],
                  verbose=verbose, shuffle=True)
    best = os.path.join(out_dir, BEST_WEIGHTS)
    if os.path.isfile(best):
        model.load_weights(best)
    return model, state
