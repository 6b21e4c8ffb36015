"""The research scripts' one-class runner: the library's training flow on a labelled dataset,
with test-AUROC traces and the estimator and lambda variations the analyses study."""

import lab  # noqa: F401  (puts examples/ on sys.path)
from lsa_keras.datasets import one_class_split
from lsa_keras.training import train_one_class
from reproduction import TestAurocTrace


def run_one_class(architecture, data, normal_class, epochs, batch_size, learning_rate,
                  schedule="constant", seed=0, eval_every=0, verbose=2, checkpoint_dir=None,
                  lam=None, estimator_units=None, initialization="torch"):
    """Train one class and evaluate it; ``(result, model)``.

    ``data`` is ``((x_train, y_train), (x_test, y_test))``; the split is the paper's protocol.
    ``result`` has ``auroc_llk``, ``auroc_rec``, ``auroc_ns``, ``best_epoch``,
    ``best_val_loss``, ``epochs``, ``seconds``, ``n_train``, ``n_val``, ``history`` and, with
    ``eval_every``, ``trace``; the model is calibrated on the validation split.
    """
    (x_train, y_train), (x_test, y_test) = data
    split = one_class_split(x_train, y_train, x_test, y_test, normal_class)
    split.update(architecture=architecture, dataset=architecture, normal_class=int(normal_class))
    settings = {"architecture": architecture, "normal_class": int(normal_class),
                "n_train": len(split["x_train"]), "batch_size": batch_size,
                "learning_rate": learning_rate, "schedule": schedule, "seed": seed}
    # Recorded only when set, so checkpoints of default models keep their settings.
    if lam is not None:
        settings["lam"] = float(lam)
    if estimator_units is not None:
        estimator_units = [int(u) for u in estimator_units]
        settings["estimator_units"] = estimator_units
    if initialization != "torch":
        settings["initialization"] = initialization
    trace = TestAurocTrace(split, eval_every) if eval_every else None
    schedule_ = {"epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
                 "schedule": schedule}
    model, trained = train_one_class(
        split, checkpoint_dir, schedule_, seed=seed, settings=settings, lam=lam,
        estimator_units=estimator_units, initialization=initialization,
        callbacks=[trace] if trace else None, verbose=verbose)
    trained.pop("metadata")
    result = {k: trained.pop(k) for k in ("auroc_llk", "auroc_rec", "auroc_ns")}
    result.update(trained)
    if trace:
        result["trace"] = trace.trace
    return result, model
