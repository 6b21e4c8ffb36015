"""Train and evaluate LSA on one normal class under the paper's protocol.

Used by the reproduction scripts in ``examples/``: split with the protocol seed, train on the
normal class's training part with a documented schedule, keep the weights of the epoch with
the lowest validation loss, normalise the scores on the validation part and report the AUROC
of LLK, REC and NS on the whole test set.
"""

import math
import time

import keras
import numpy as np

from lsa_keras import scoring
from lsa_keras.datasets import one_class_split
from lsa_keras.models import LSA
from lsa_keras.preprocessing import to_model_input


class BestValidationWeights(keras.callbacks.Callback):
    """Remember the weights of the epoch with the lowest ``val_loss``; restore them at the end."""

    def __init__(self):
        super().__init__()
        self.best_loss, self.best_epoch, self.best_weights = math.inf, None, None

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("val_loss")
        if loss is not None and np.isfinite(loss) and loss < self.best_loss:
            self.best_loss, self.best_epoch = float(loss), epoch + 1
            self.best_weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class TestAurocTrace(keras.callbacks.Callback):
    """Research aid: test AUROC every ``every`` epochs. Never used to choose a checkpoint."""

    def __init__(self, split, every):
        super().__init__()
        self.split, self.every, self.trace = split, every, []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            result = evaluate(self.model, self.split)
            self.trace.append({"epoch": epoch + 1, **result})
            print(f"  epoch {epoch + 1}: test AUROC " + " ".join(f"{k} {v:.3f}" for k, v in result.items()))


def evaluate(model, split, batch_size=500):
    """AUROC of LLK, REC and NS on the test set, normalised on the validation set."""
    stats = scoring.min_max_stats(scoring.per_sample_scores(model, split["x_val"], batch_size))
    scores = scoring.novelty_scores(
        scoring.per_sample_scores(model, split["x_test"], batch_size), stats
    )
    return scoring.auroc(split["novel_test"], scores)


def learning_rate_schedule(kind, lr, epochs, steps_per_epoch):
    if kind == "constant":
        return lr
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=epochs * steps_per_epoch, alpha=0.01)
    raise ValueError(f"unknown learning-rate schedule {kind!r}; use 'constant' or 'cosine'.")


def run_one_class(architecture, data, normal_class, epochs, batch_size, learning_rate,
                  schedule="constant", seed=0, eval_every=0, verbose=2):
    """Train one class and evaluate it.

    Args:
        architecture: ``"mnist"`` or ``"cifar10"``.
        data: ``((x_train, y_train), (x_test, y_test))`` uint8 images and labels.
        normal_class: the normal label.
        epochs, batch_size, learning_rate, schedule: the training schedule (Adam).
        seed: seed of the weights and of the batch order (the split always uses 30101990).
        eval_every: if > 0, also trace the test AUROC every that many epochs (not for
            checkpoint choice).

    Returns:
        dict with ``auroc_llk``, ``auroc_rec``, ``auroc_ns``, ``best_epoch``, ``epochs``,
        ``seconds`` (training), ``n_train``, ``n_val`` and, with ``eval_every``, ``trace``.
    """
    (x_train, y_train), (x_test, y_test) = data
    split = one_class_split(x_train, y_train, x_test, y_test, normal_class)
    x = to_model_input(split["x_train"])
    x_val = to_model_input(split["x_val"])
    keras.utils.set_random_seed(seed)
    model = LSA.from_architecture(architecture)
    steps = math.ceil(len(x) / batch_size)
    model.compile(optimizer=keras.optimizers.Adam(
        learning_rate_schedule(schedule, learning_rate, epochs, steps)))
    best = BestValidationWeights()
    callbacks = [best]
    trace = TestAurocTrace(split, eval_every) if eval_every else None
    if trace:
        callbacks.append(trace)
    start = time.time()
    model.fit(x, batch_size=batch_size, epochs=epochs, validation_data=(x_val,),
              callbacks=callbacks, verbose=verbose, shuffle=True)
    seconds = time.time() - start
    result = evaluate(model, split)
    out = {
        "auroc_llk": result["llk"], "auroc_rec": result["rec"], "auroc_ns": result["ns"],
        "best_epoch": best.best_epoch, "best_val_loss": best.best_loss, "epochs": epochs,
        "seconds": round(seconds, 1), "n_train": len(x), "n_val": len(x_val),
    }
    if trace:
        out["trace"] = trace.trace
    return out, model
