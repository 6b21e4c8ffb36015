"""Train and evaluate LSA on one normal class under the paper's protocol.

Used by the reproduction scripts in ``examples/``: split with the protocol seed, train on the
normal class's training part with a documented schedule, keep the weights of the epoch with
the lowest validation loss, normalise the scores on the validation part and report the AUROC
of LLK, REC and NS on the whole test set.
"""

import math

import keras

from lsa_keras import scoring
from lsa_keras.datasets import one_class_split
from lsa_keras.models import LSA


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
    """Adam's learning rate: ``lr`` itself (``"constant"``), or Keras' ``CosineDecay`` from
    ``lr`` to 1% of it over ``epochs * steps_per_epoch`` steps (``"cosine"``)."""
    if kind == "constant":
        return lr
    if kind == "cosine":
        return keras.optimizers.schedules.CosineDecay(lr, decay_steps=epochs * steps_per_epoch, alpha=0.01)
    raise ValueError(f"unknown learning-rate schedule {kind!r}; use 'constant' or 'cosine'.")


def run_learning_rate(kind, lr, epochs, n_train, batch_size):
    """``(learning_rate, settings)`` for :func:`lsa_keras.resumable.train_resumable`: the
    schedule over ``epochs`` of ``n_train`` images in batches of ``batch_size``, and the
    settings entries that pin it (a decaying rate cannot be extended by more epochs)."""
    steps = math.ceil(n_train / batch_size)
    settings = {} if kind == "constant" else {"epochs_of_schedule": epochs}
    return learning_rate_schedule(kind, lr, epochs, steps), settings


def run_one_class(architecture, data, normal_class, epochs, batch_size, learning_rate,
                  schedule="constant", seed=0, eval_every=0, verbose=2, checkpoint_dir=None,
                  lam=None, estimator_units=None, initialization="torch"):
    """Train one class and evaluate it.

    Training goes through :func:`lsa_keras.resumable.train_resumable`: a checkpoint after
    every epoch in ``checkpoint_dir``, so a run stopped at any point (the end of a session, a
    kill) continues from its last epoch when called again, and more ``epochs`` extend it.

    Args:
        architecture: ``"mnist"`` or ``"cifar10"``.
        data: ``((x_train, y_train), (x_test, y_test))`` uint8 images and labels.
        normal_class: the normal label.
        epochs, batch_size, learning_rate, schedule: the training schedule (Adam).
        seed: seed of the weights and of the batch order (the split always uses 30101990).
        eval_every: if > 0, also trace the test AUROC every that many epochs of this session
            (not for checkpoint choice).
        checkpoint_dir: folder of the run's checkpoints; default a temporary folder (no
            resuming).
        lam, estimator_units: the model's LLK weight and hidden estimator channels; default
            the paper's for ``architecture`` (the analyses in ``examples/`` vary them).
        initialization: ``"torch"`` or ``"torch-0.4.1"``, see
            :meth:`lsa_keras.models.LSA.from_architecture`.

    Returns:
        ``(result, model)``: ``result`` has ``auroc_llk``, ``auroc_rec``, ``auroc_ns``,
        ``best_epoch``, ``best_val_loss``, ``epochs``, ``seconds`` (training, over all
        sessions), ``n_train``, ``n_val``, ``history`` (the training and validation losses of
        every epoch, so that other checkpoint rules can be studied after the checkpoints are
        gone) and, with ``eval_every``, ``trace``; ``model`` has the weights of the lowest
        validation loss.
    """
    import tempfile

    from lsa_keras.resumable import train_resumable

    (x_train, y_train), (x_test, y_test) = data
    split = one_class_split(x_train, y_train, x_test, y_test, normal_class)
    x, x_val = split["x_train"], split["x_val"]  # uint8; train_resumable converts them once
    rate, pinned = run_learning_rate(schedule, learning_rate, epochs, len(x), batch_size)
    settings = {"architecture": architecture, "normal_class": int(normal_class),
                "n_train": len(x), "batch_size": batch_size, "learning_rate": learning_rate,
                "schedule": schedule, "seed": seed, **pinned}
    # Recorded only when set, so checkpoints of default models keep their settings.
    if lam is not None:
        settings["lam"] = float(lam)
    if estimator_units is not None:
        estimator_units = [int(u) for u in estimator_units]
        settings["estimator_units"] = estimator_units
    if initialization != "torch":
        settings["initialization"] = initialization
    trace = TestAurocTrace(split, eval_every) if eval_every else None
    with tempfile.TemporaryDirectory() as tmp:
        model, state = train_resumable(
            lambda: LSA.from_architecture(architecture, lam=lam, estimator_units=estimator_units,
                                          initialization=initialization),
            x, x_val, checkpoint_dir or tmp,
            epochs, batch_size, rate,
            settings, seed=seed, verbose=verbose, callbacks=[trace] if trace else None)
    result = evaluate(model, split)
    out = {
        "auroc_llk": result["llk"], "auroc_rec": result["rec"], "auroc_ns": result["ns"],
        "best_epoch": state.get("best_epoch"), "best_val_loss": state.get("best_val_loss"),
        "epochs": state["epoch"], "seconds": state.get("seconds"), "n_train": len(x),
        "n_val": len(x_val), "batch_order": "seeded per epoch (lsa_keras.resumable.EpochOrder)",
        "history": state.get("history", []),
    }
    if trace:
        out["trace"] = trace.trace
    return out, model
