"""The one training flow: train on a normal class (resumably), calibrate, evaluate, save.

The ``lsa-keras train`` and ``lsa-keras zoo build`` commands and the paper's reproduction
scripts all call :func:`train_one_class` on a split from
:func:`lsa_keras.datasets.load_one_class`.
"""

import math
import os
import tempfile
from typing import TYPE_CHECKING, Any

import keras

from lsa_keras import scoring
from lsa_keras.datasets.protocol import PROTOCOL_SEED, VALIDATION_FRACTION
from lsa_keras.training.resumable import train_resumable
from lsa_keras.training.schedules import run_learning_rate

if TYPE_CHECKING:
    from lsa_keras.models.lsa import LSA

METRICS = ("auroc_ns", "auroc_llk", "auroc_rec")
EVALUATION = ("AUROC on the test images, the other classes being novel; scores min-max "
              "normalised on the validation split.")
# Datasets split by lsa_keras.datasets.one_class_split (the sample ships already split).
PROTOCOL_DATASETS = ("mnist", "cifar10")
PROTOCOL = {"seed": PROTOCOL_SEED, "validation_fraction": VALIDATION_FRACTION,
            "train": "normal class of the first 90% of the shuffled training set",
            "validation": "normal class of the last 10%"}


def train_one_class(
    data: dict[str, Any],
    checkpoint_dir: str | None,
    schedule: dict[str, Any],
    *,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    model_dir: str | None = None,
    metadata: dict[str, Any] | None = None,
    calibration_fpr: float = 0.05,
    lam: float | None = None,
    estimator_units: list[int] | None = None,
    initialization: str = "torch",
    callbacks: list[keras.callbacks.Callback] | None = None,
    verbose: int = 2,
    distribution: Any = None,
    checkpoint_interval: float = 0.0,
) -> tuple["LSA", dict[str, Any]]:
    """Train LSA on ``data``'s normal images, calibrate it, evaluate it and save it.

    Training goes through :func:`lsa_keras.training.resumable.train_resumable`: a checkpoint
    after every epoch (or every ``checkpoint_interval`` seconds) in ``checkpoint_dir``, so a
    run stopped at any point continues from its last checkpoint when called again, and more
    epochs extend it. The model kept is that of
    the lowest validation loss; it is calibrated on ``x_val`` (score statistics and a threshold
    at ``calibration_fpr``), scored on ``x_test`` when the split has one, and written with
    ``save_pretrained`` to ``model_dir``.

    Args:
        data: a split as :func:`lsa_keras.datasets.load_one_class` returns it: uint8
            ``x_train`` ``(n_train, *image_shape)``, ``x_val``, optional ``x_test`` (arrays,
            or :class:`~lsa_keras.datasets.ImageFiles` read batch by batch) and
            ``novel_test`` ``(n_test,)``, ``architecture``; ``dataset``, ``normal_class`` and
            ``note`` go into the metadata.
        checkpoint_dir: folder of the run's checkpoints; ``None`` trains in a temporary folder
            (no resuming, so no checkpoint but the last epoch's).
        schedule: ``epochs``, ``batch_size``, ``learning_rate`` and ``schedule``
            (``"constant"`` or ``"cosine"``) of Adam, and optionally ``steps_per_epoch`` (at
            most that many batches an epoch), ``augmentation`` (``"horizontal_flip"``:
            see :class:`~lsa_keras.training.resumable.EpochOrder`) and ``jit_compile``
            (``fit``'s XLA setting, default ``"auto"``; see
            :func:`~lsa_keras.training.resumable.train_resumable`) and ``dtype_policy`` (the
            model's Keras dtype policy, e.g. ``"mixed_bfloat16"``; default the global one);
            recorded in the metadata as given.
        seed: seed of the initial weights and of every epoch's batch order.
        settings: what identifies the run for resuming (a resumed run must have the same);
            default the architecture, normal class, seed and schedule.
        model_dir: where ``save_pretrained`` writes the calibrated model; ``None`` saves
            nothing.
        metadata: more entries for the saved model's ``metadata.json``.
        calibration_fpr: false-positive rate of the threshold on the validation split.
        lam, estimator_units, initialization: passed to :meth:`LSA.from_architecture`;
            default the architecture's.
        callbacks: more Keras callbacks for ``fit``.
        verbose: Keras' ``fit`` verbosity.
        distribution: train data-parallel
            (:func:`lsa_keras.training.distribution.data_parallel`; see
            :func:`~lsa_keras.training.resumable.train_resumable`). With several workers each
            calibrates the model it trained and only the chief writes ``model_dir``.
        checkpoint_interval: seconds between checkpoints (0: after every epoch; see
            :func:`~lsa_keras.training.resumable.train_resumable`); unused without a
            ``checkpoint_dir``.

    Returns:
        ``(model, result)``: the calibrated model and a dict with ``best_epoch``,
        ``best_val_loss``, ``epochs``, ``seconds`` (training, over all sessions), ``n_train``,
        ``n_val``, ``batch_order``, ``history`` (the losses of every epoch), ``metadata``
        and, when the split has test images, ``auroc_llk``, ``auroc_rec`` and ``auroc_ns``.

    Raises:
        ValueError: the split has no architecture, or ``checkpoint_dir`` holds a run with
            other settings or damaged files.
        lsa_keras.training.callbacks.NonFiniteLossError: the loss became NaN or Inf.
    """
    from lsa_keras.models.lsa import LSA

    architecture = data.get("architecture")
    if architecture is None:
        raise ValueError("the data has no architecture: resize the images to a registered "
                         "architecture's input shape.")
    x, x_val = data["x_train"], data["x_val"]  # uint8; train_resumable converts them once
    epochs, batch_size = schedule["epochs"], schedule["batch_size"]
    steps_per_epoch = schedule.get("steps_per_epoch")
    rate, pinned = run_learning_rate(schedule["schedule"], schedule["learning_rate"], epochs,
                                     len(x), batch_size, steps_per_epoch)
    if settings is None:
        settings = {"architecture": architecture, "normal_class": data.get("normal_class"),
                    "seed": seed, **schedule}
    settings = {**settings, **pinned}
    with tempfile.TemporaryDirectory() as tmp:
        model, state = train_resumable(
            lambda: LSA.from_architecture(architecture, lam=lam, estimator_units=estimator_units,
                                          initialization=initialization,
                                          dtype=schedule.get("dtype_policy")),
            x, x_val, checkpoint_dir or tmp, epochs, batch_size, rate, settings, seed=seed,
            verbose=verbose, callbacks=callbacks, steps_per_epoch=steps_per_epoch,
            distribution=distribution, augmentation=schedule.get("augmentation"),
            jit_compile=schedule.get("jit_compile", "auto"),
            # A temporary folder is never resumed: its checkpoints would be written for nothing.
            checkpoint_interval=checkpoint_interval if checkpoint_dir else math.inf)
    result = {"best_epoch": state.get("best_epoch"), "best_val_loss": state.get("best_val_loss"),
              "epochs": state["epoch"], "seconds": state.get("seconds"), "n_train": len(x),
              "n_val": len(x_val),
              "batch_order": "seeded per epoch (lsa_keras.training.resumable.EpochOrder)",
              "history": state.get("history", [])}
    run = {"schedule": schedule, "weight_seed": seed, "best_epoch": result["best_epoch"],
           "checkpoint": "lowest validation loss", "training_seconds": result["seconds"]}
    if distribution is not None:
        from lsa_keras.training.distribution import is_chief

        if not is_chief(distribution):
            model_dir = None  # the chief writes the one model folder
    result.update(calibrate_and_save(model, data, model_dir=model_dir,
                                     calibration_fpr=calibration_fpr,
                                     metadata={**run, **(metadata or {})}))
    return model, result


def streamed(images: Any, batch_size: int = 256) -> Any:
    """ImageFiles as a dataset that reads them batch by batch; anything else unchanged."""
    from lsa_keras.datasets.image_files import ImageFiles

    return images.as_dataset(batch_size) if isinstance(images, ImageFiles) else images


def calibrate_and_save(model: "LSA", data: dict[str, Any], *, model_dir: str | None = None,
                       calibration_fpr: float = 0.05, metadata: dict[str, Any] | None = None,
                       metrics: dict[str, float] | None = None) -> dict[str, Any]:
    """Calibrate a trained ``model`` on ``data["x_val"]``, evaluate it and save it.

    The second half of :func:`train_one_class`, also used on a model trained earlier.

    Args:
        model: a trained LSA.
        data: the split it was trained on (see :func:`train_one_class`).
        model_dir: where ``save_pretrained`` writes; ``None`` saves nothing.
        calibration_fpr: false-positive rate of the threshold on the validation split.
        metadata: more entries for ``metadata.json``.
        metrics: AUROCs measured before (``auroc_llk``, ``auroc_rec``, ``auroc_ns``); default
            measured here on ``x_test`` when the split has one.

    Returns:
        ``{"metadata": ..., **metrics}``.
    """
    model.calibrate(streamed(data["x_val"]), fpr=calibration_fpr)
    if metrics is None and data.get("x_test") is not None:
        auroc = scoring.auroc(data["novel_test"], model.score(streamed(data["x_test"])))
        metrics = {f"auroc_{k}": v for k, v in auroc.items()}
    name = os.path.basename(os.path.abspath(model_dir)) if model_dir else None
    meta = {"name": name, "dataset": data.get("dataset"), "normal_class": data.get("normal_class"),
            "data": data.get("note")}
    if data.get("normal_class_name") is not None:  # the dataset's name of it (TFDS metadata)
        meta["normal_class_name"] = data["normal_class_name"]
    if data.get("dataset") in PROTOCOL_DATASETS or str(data.get("dataset")).startswith("tfds:"):
        meta["protocol"] = PROTOCOL
    meta.update(metadata or {})
    if metrics:
        meta["metrics"] = {k: round(float(metrics[k]), 4) for k in METRICS if k in metrics}
        meta.setdefault("evaluation", EVALUATION)
    if model_dir:
        model.save_pretrained(model_dir, meta)
    return {"metadata": meta, **{k: float(v) for k, v in (metrics or {}).items()}}
