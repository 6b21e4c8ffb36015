"""The LSA model: an autoencoder with an autoregressive density estimator on its code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import numpy as np
from keras import ops

from lsa_keras import losses as lsa_losses
from lsa_keras import scoring
from lsa_keras.training.callbacks import StopOnNonFiniteLoss
from lsa_keras.initializers import apply_initialization
from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer
from lsa_keras.models.lsa import lsa_networks, lsa_scorer
from lsa_keras.models.lsa.lsa_trainer import JointLossTrainer, OwnObjectiveCompile
from lsa_keras.utils import fit_input, jax_state
from lsa_keras.utils.preprocessing import as_model_images

if TYPE_CHECKING:
    import tensorflow as tf

DEFAULT_BATCH_SIZE = 256


@keras.saving.register_keras_serializable(package="lsa_keras")
class LSA(OwnObjectiveCompile, JointLossTrainer, keras.Model):
    """Latent Space Autoregression (Abati et al., CVPR 2019).

    An encoder maps an input to a code ``z`` in ``[0, 1]^d``, a decoder reconstructs the input
    from it, and an autoregressive estimator outputs, for every latent variable ``z_i``, a
    distribution over ``B`` bins conditioned on ``z_<i``. Training minimises
    ``REC + lam * LLK`` (see :mod:`lsa_keras.losses`) with the model's own ``train_step``, so
    ``model.fit(x)`` takes unlabeled images.

    Build one with :meth:`from_architecture`. Calling the model on images
    ``(batch, *input_shape)`` with values in ``[0, 1]`` returns a dict:

    - ``"reconstruction"``: ``(batch, *input_shape)``, linear output;
    - ``"code"``: ``(batch, d)``, the sigmoid code ``z``;
    - ``"logits"``: ``(batch, d, B)``, one distribution over the bins per latent variable.

    Args:
        encoder: ``keras.Model`` from images to ``(batch, d)`` codes in ``[0, 1]``.
        decoder: ``keras.Model`` from codes to images.
        estimator: ``keras.Model`` from ``(batch, d, 1)`` to ``(batch, d, B)`` logits, whose
            output ``j`` depends on inputs ``< j`` only.
        lam: weight of the LLK term in the training objective (not used in scoring).
        architecture: name of the registered architecture the networks came from, if any.
        input_noise: standard deviation of Gaussian noise added to the encoder's input while
            training (the reconstruction target stays the clean input); 0 adds none. Scoring
            never adds noise.
    """

    def __init__(self, encoder, decoder, estimator, lam=1.0, architecture=None, input_noise=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        for part, net in (("encoder", encoder), ("decoder", decoder), ("estimator", estimator)):
            if not isinstance(net, keras.Model) or not net.built:
                raise ValueError(
                    f"{part} must be a built keras.Model (for example a keras.Sequential that "
                    f"starts with keras.Input); got {net!r}."
                )
        self.encoder, self.decoder, self.estimator = encoder, decoder, estimator
        self.lam = float(lam)
        if not np.isfinite(self.lam) or self.lam < 0:
            raise ValueError(f"lam (the LLK weight) must be a finite number >= 0, got {lam!r}.")
        self.architecture = architecture
        self.input_noise = float(input_noise)
        if not np.isfinite(self.input_noise) or self.input_noise < 0:
            raise ValueError(f"input_noise must be a finite standard deviation >= 0, got "
                             f"{input_noise!r}.")
        # Only built when used, so models without noise keep the same weights file.
        self.noise = (keras.layers.GaussianNoise(self.input_noise, name="input_noise")
                      if self.input_noise > 0 else None)
        self.bins = int(estimator.output_shape[-1])
        self.code_length = int(encoder.output_shape[-1])
        self.image_shape = tuple(encoder.input_shape[1:])
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.rec_tracker = keras.metrics.Mean(name="rec")
        self.llk_tracker = keras.metrics.Mean(name="llk")
        # Normalisation statistics and threshold of the novelty score: saved with the weights.
        self.score_min = self.add_weight(
            name="score_min", shape=(2,), initializer="zeros", trainable=False
        )
        self.score_max = self.add_weight(
            name="score_max", shape=(2,), initializer="ones", trainable=False
        )
        self.threshold = self.add_weight(
            name="threshold", shape=(), initializer="zeros", trainable=False
        )
        self.calibrated = self.add_weight(
            name="calibrated", shape=(), initializer="zeros", trainable=False
        )
        self.built = True

    @classmethod
    def from_architecture(
        cls, name, code_length=64, bins=100, estimator_units=None, lam=None, input_noise=None,
        dtype=None, initialization="torch", input_shape=None, **kwargs
    ):
        """An LSA with the networks of one of the paper's settings.

        Args:
            name: ``"mnist"`` (28x28x1), ``"cifar10"`` (32x32x3), ``"ucsd_ped2"`` (clips
                8x32x32x1), ``"shanghaitech"`` (clips 16x256x512x3) or ``"dreyeve"`` (clips
                16x160x256x1).
            code_length: d, 64 in the paper.
            bins: B, 100 in the paper.
            estimator_units: hidden estimator channels; default the paper's for that setting
                (MFC ``(32, 32, 32, 32)`` for images, MSC ``(4, 4, 4, 4)`` / ``(4, 4)`` for video).
            lam: LLK weight; default the paper's for that setting (1, and 0.1 for UCSD Ped2).
            input_noise: training input noise; default the paper's (σ = 0.025 for UCSD Ped2,
                none otherwise).
            dtype: Keras dtype policy, default the global one. ``"mixed_bfloat16"`` keeps
                float32 weights and computes in bfloat16, except the code, the reconstruction
                and the losses (float32); on CPUs with AMX or on GPUs it scores and trains
                faster at a small cost in precision. Weights are interchangeable with a float32 model of the same
                architecture: ``set_weights(float32_model.get_weights())``.
            initialization: ``"torch"`` (today's PyTorch defaults) or ``"torch-0.4.1"`` (the
                version the authors trained with: BatchNorm scales uniform in [0, 1),
                transposed convolutions scaled by their input channels); see
                :func:`lsa_keras.initializers.apply_initialization`.
            input_shape: the clip shape to build for, default the setting's; the whole-frame
                video settings (``"shanghaitech"``, ``"dreyeve"``) take any frame size whose
                sides are multiples of 32 (see :func:`lsa_keras.models.build_networks`).
        """
        encoder, decoder, estimator = lsa_networks.build_networks(
            name, code_length=code_length, bins=bins, estimator_units=estimator_units,
            dtype=dtype, input_shape=input_shape,
        )
        apply_initialization((encoder, decoder, estimator), initialization)
        defaults = lsa_networks.training_defaults(name)
        return cls(encoder, decoder, estimator,
                   lam=defaults["lam"] if lam is None else lam,
                   input_noise=defaults["input_noise"] if input_noise is None else input_noise,
                   architecture=name, dtype=dtype, **kwargs)

    def call(self, inputs, training=None):
        return self.outputs_with(self.estimator, inputs, training=training)

    def outputs_with(self, estimator, inputs, training=None):
        """:meth:`call` with another estimator network in place of ``self.estimator`` (for
        instance an inference copy of it, see :func:`lsa_keras.models.lsa.lsa_scorer.scorer`)."""
        noisy = inputs if self.noise is None else self.noise(inputs, training=training)
        code = self.encoder(noisy, training=training)
        reconstruction = self.decoder(code, training=training)
        logits = estimator(ops.expand_dims(code, -1), training=training)
        return {"reconstruction": reconstruction, "code": code, "logits": logits}

    def joint_loss(self, x, outputs, sample_weight=None):
        """Batch means ``{"loss", "rec", "llk"}`` of the objective; see :mod:`lsa_keras.losses`."""
        return lsa_losses.lsa_loss(x, outputs, lam=self.lam, sample_weight=sample_weight)

    @property
    def metrics(self):
        return [self.loss_tracker, self.rec_tracker, self.llk_tracker]

    objective = "REC + lam * LLK; set the LLK weight with LSA.from_architecture(..., lam=...)"

    def fit(self, x=None, y=None, batch_size=None, epochs=1, validation_data=None,
            callbacks=None, **kwargs):
        """``keras.Model.fit`` on unlabeled images; compiles with the defaults if needed.

        Array inputs ``(n, *image_shape)`` may be uint8 in [0, 255] or float in [0, 1]; they
        are checked (shape, range, NaN/Inf) and default to batches of 256 (supplement Table 1).
        With ``shuffle=True`` (the default) each epoch sees the images in a new order, the
        same sequence of orders for the same ``keras.utils.set_random_seed``.
        A ``tf.data.Dataset``, ``keras.utils.PyDataset`` or generator of batches (images, or
        tuples whose first element is the images), as ``x`` or as ``validation_data``, gets the
        same conversion and checks batch by batch as training reads it; a bad batch stops
        training with a ``ValueError`` naming it. ``y`` is ignored. ``batch_size``,
        ``epochs``, ``initial_epoch``, ``steps_per_epoch``, ``validation_steps`` and
        ``validation_freq`` must be positive integers (``initial_epoch`` >= 0 and below
        ``epochs``) or None where Keras allows it. Training stops with
        :class:`lsa_keras.training.callbacks.NonFiniteLossError` at the end of the first epoch
        whose loss was NaN or Inf, before later callbacks (checkpoints) see that epoch (see
        :class:`~lsa_keras.training.callbacks.StopOnNonFiniteLoss`).

        Raises:
            ValueError: input of the wrong shape, dtype or range, NaN/Inf (for a dataset: in
                the batch that holds them), or an argument out of its range.
            TypeError: a count that is not an integer.
        """
        _check_fit_counts(batch_size=batch_size, epochs=epochs, **kwargs)
        if not self.compiled:
            self.compile()
        if _is_array(x) or isinstance(x, (list, tuple)):  # a list of images is one input here
            x = as_model_images(x, self.image_shape, name="x")
            if batch_size is None:
                batch_size = DEFAULT_BATCH_SIZE
        else:
            if fit_input.is_tf_dataset(x):
                # Keras shuffles no tf.data.Dataset, but warns on its own default of True.
                kwargs.setdefault("shuffle", False)
            x = fit_input.checked_source(x, self.image_shape, "x")
        if _is_array(validation_data):  # Keras takes a bare array as (x,)
            validation_data = (validation_data,)
        if isinstance(validation_data, (tuple, list)) and validation_data and (
                _is_array(validation_data[0]) or isinstance(validation_data[0], (list, tuple))):
            validation_data = (as_model_images(validation_data[0], self.image_shape,
                                               name="validation_data[0]"),
                               *validation_data[1:])
        elif validation_data is not None:
            validation_data = fit_input.checked_source(validation_data, self.image_shape,
                                                       "validation_data")
        if keras.backend.backend() == "tensorflow":
            x, batch_size, validation_data = _unstalled_arrays(x, batch_size, validation_data,
                                                               kwargs)
        callbacks = list(callbacks or [])
        if not any(isinstance(c, StopOnNonFiniteLoss) for c in callbacks):
            callbacks.insert(0, StopOnNonFiniteLoss())  # before any checkpoint callback
        state = jax_state.saved_state(self)
        try:
            history = super().fit(x, y, batch_size=batch_size, epochs=epochs,
                                  validation_data=validation_data, callbacks=callbacks, **kwargs)
        except Exception as e:  # noqa: BLE001 (only the input checks' errors are rewritten)
            jax_state.restore_state(self, state)
            # A dataset's batches are checked as training reads them, inside tf.data or a
            # Keras data adapter, which hand the check's error on wrapped in their own.
            error = fit_input.input_error_in(e)
            if error is None and isinstance(e, UnboundLocalError) and "'logs'" in str(e):
                # Keras' JAX trainer reads the last step's logs after an epoch of no steps.
                error = fit_input.InputError(
                    "x yielded no batches of images; nothing was trained.")
            if error is None:
                raise
        else:
            if "loss" in history.history:
                return history
            # Keras only warns when a dataset yields nothing, and returns an empty history.
            error = fit_input.InputError("x yielded no batches of images; nothing was trained.")
        raise error

    def calibrate(self, x_val: np.ndarray | tf.data.Dataset | keras.utils.PyDataset,
                  fpr: float = 0.05, batch_size: int = DEFAULT_BATCH_SIZE,
                  verbose: int | str = "auto") -> dict:
        """Fit the score normalisation and the decision threshold on normal validation images.

        Stores the min and max of LLK and REC over ``x_val`` (paper Eq. 9) and the threshold on
        NS above which a fraction ``fpr`` of ``x_val`` lies. They are model weights, so they
        are saved and loaded with it.

        Args:
            x_val: normal images, in any form :meth:`score` takes: an array
                ``(n, *image_shape)``, or a ``tf.data.Dataset`` / ``keras.utils.PyDataset``
                streamed batch by batch (only the ``n`` scores are kept, so it may be larger
                than memory). At least 2 images.
            fpr: target false-positive rate on normal data, a number in (0, 1).
            batch_size: images per scoring batch of an array or of a ``tf.data.Dataset`` of
                single images, a positive integer (None: the default).
            verbose: Keras' progress bar while scoring: 1, 0, or ``"auto"`` (a bar for
                more than 20 batches, or a dataset of unknown length, on a terminal or in a
                notebook).

        Returns:
            dict with ``"min"``, ``"max"`` (``{"llk", "rec"}``) and ``"threshold"``.

        Raises:
            ValueError: as :meth:`score`; fewer than 2 images; ``fpr`` out of (0, 1).
        """
        fpr = _check_fpr(fpr)
        batch_size = _check_batch_size(batch_size)
        raw = lsa_scorer.per_sample_scores(self, x_val, batch_size, verbose, name="x_val",
                                           single=False)
        if len(raw["llk"]) < 2:
            raise ValueError("calibrate needs at least 2 validation images.")
        stats = scoring.min_max_stats(raw)
        ns = scoring.novelty_scores(raw, stats)["ns"]
        threshold = float(np.quantile(ns, 1.0 - fpr))
        self.score_min.assign(np.array([stats["llk"][0], stats["rec"][0]], "float32"))
        self.score_max.assign(np.array([stats["llk"][1], stats["rec"][1]], "float32"))
        self.threshold.assign(threshold)
        self.calibrated.assign(1.0)
        return {"min": {k: v[0] for k, v in stats.items()},
                "max": {k: v[1] for k, v in stats.items()}, "threshold": threshold}

    def _stats(self):
        if float(ops.convert_to_numpy(self.calibrated)) != 1.0:
            raise ValueError(
                "This model has no normalisation statistics yet: call "
                "model.calibrate(x_val) with normal validation images first."
            )
        lo = ops.convert_to_numpy(self.score_min).astype("float64")
        hi = ops.convert_to_numpy(self.score_max).astype("float64")
        return {"llk": (lo[0], hi[0]), "rec": (lo[1], hi[1])}

    @property
    def score_statistics(self) -> dict[str, tuple[float, float]]:
        """``{"llk": (min, max), "rec": (min, max)}`` over the calibration images, the
        normalisation of NS (paper Eq. 9).

        Raises:
            ValueError: the model has not been calibrated (:meth:`calibrate`).
        """
        return self._stats()

    def score(self, x: np.ndarray | tf.data.Dataset | keras.utils.PyDataset,
              batch_size: int = DEFAULT_BATCH_SIZE,
              verbose: int | str = "auto") -> dict[str, np.ndarray]:
        """Novelty scores of images; higher means more novel.

        Arrays are checked whole, then scored in batches of ``batch_size``. Datasets are
        streamed: each batch is checked as it is read and goes through the compiled scorer,
        and only the per-sample scores are kept, so a dataset larger than memory can be
        scored.

        Args:
            x: the images, uint8 in [0, 255] or float in [0, 1], as one of:

                - an array ``(n, *image_shape)``, or one image ``image_shape``;
                - a ``tf.data.Dataset`` of batches ``(batch, *image_shape)``, or of single
                  images ``image_shape`` (batched by ``batch_size``);
                - a ``keras.utils.PyDataset`` of batches (with a length).

                A dataset element may be the images or a tuple whose first element is the
                images (``(x,)``, ``(x, y)``, ...); the rest is ignored.
            batch_size: images per scoring batch of an array or of a ``tf.data.Dataset`` of
                single images, a positive integer (None: the default); other datasets are
                scored in their own batches.
            verbose: Keras' progress bar (``keras.utils.Progbar``): 1, 0, or ``"auto"``
                (a bar when scoring more than 20 batches, or a dataset of unknown length, on a
                terminal or in a notebook).

        Returns:
            dict of float64 arrays ``(n,)``: ``"llk"`` (surprisal, nats), ``"rec"`` (sum of
            squared errors) and ``"ns"`` (normalised sum; needs :meth:`calibrate`), in the
            order of the images.

        Raises:
            ValueError: images of the wrong shape or dtype, floats outside [0, 1], NaN or Inf
                (for a dataset: naming the batch that holds them, which stops scoring there); a
                dataset of dicts, an empty one or an infinite one; no :meth:`calibrate` yet.
        """
        batch_size = _check_batch_size(batch_size)
        stats = self._stats()
        raw = lsa_scorer.per_sample_scores(self, x, batch_size, verbose, name="x")
        return scoring.novelty_scores(raw, stats)

    def decision_function(self, x: np.ndarray | tf.data.Dataset | keras.utils.PyDataset,
                          batch_size: int = DEFAULT_BATCH_SIZE,
                          verbose: int | str = "auto") -> np.ndarray:
        """The novelty score NS, as PyOD's ``decision_function``: float64 ``(n,)``; ``x``
        (arrays, or datasets streamed) and the other arguments as for :meth:`score`."""
        return self.score(x, batch_size, verbose)["ns"]

    @property
    def threshold_(self):
        """The calibrated NS threshold (PyOD's ``threshold_``): NS above it is novel."""
        self._stats()  # the same error as score() before calibrate()
        return float(ops.convert_to_numpy(self.threshold))

    def predict_label(self, x: np.ndarray | tf.data.Dataset | keras.utils.PyDataset,
                      batch_size: int = DEFAULT_BATCH_SIZE,
                      verbose: int | str = "auto") -> np.ndarray:
        """1 (novel) where NS exceeds :attr:`threshold_`, else 0: int32 ``(n,)``; ``x``
        (arrays, or datasets streamed) and the other arguments as for :meth:`score`.

        With scores at hand, ``(scores["ns"] > model.threshold_)`` gives the same labels
        without scoring again."""
        return (self.decision_function(x, batch_size, verbose) > self.threshold_).astype("int32")

    def export(self, filepath: str, format: str = "tf_saved_model", verbose: bool | None = None,
               input_dtype: str = "float32", **kwargs) -> None:
        """Write the calibrated detector for serving, to run without lsa_keras or Keras.

        The artifact takes a batch of images ``(batch, *image_shape)`` (any batch size) named
        ``images`` and returns four ``(batch,)`` arrays: ``llk`` and ``rec`` (float32, as
        :meth:`score`), ``ns`` (float32, normalised with the calibration statistics) and
        ``label`` (int32, 1 where ``ns`` exceeds :attr:`threshold_`, as
        :meth:`predict_label`). The statistics and the threshold are constants of the
        artifact. A video model exports its clip scorer the same way.

        Args:
            filepath: the SavedModel folder, or the ``.onnx`` file, to write.
            format: ``"tf_saved_model"`` (``tf.saved_model.load``, TF Serving; endpoint
                ``serve``, signature ``serving_default``) or ``"onnx"`` (onnxruntime; under
                TensorFlow it needs ``tf2onnx``: ``pip install "lsa-keras[export]"``).
            verbose: Keras' export messages.
            input_dtype: ``"float32"`` (pixel values in [0, 1]) or ``"uint8"`` (0-255,
                divided by 255 in the graph).
            **kwargs: passed to ``keras.Model.export`` (e.g. ``opset_version`` for ONNX).

        Raises:
            ValueError: the model is not calibrated, or an unknown ``format`` or
                ``input_dtype``.
        """
        from lsa_keras.models.lsa import lsa_export

        lsa_export.export(self, filepath, format=format, verbose=verbose,
                          input_dtype=input_dtype, **kwargs)

    def save_pretrained(self, folder: str, metadata: dict | None = None, *,
                        weights_dtype: str = "float32", repo_id: str | None = None) -> str:
        """Write a pretrained folder in Keras' layout: config, inference weights (with the
        score statistics; no optimizer state; ``weights_dtype="float16"`` halves them),
        metadata and a model card. ``keras.saving.load_model(folder)`` loads it too. See
        :func:`lsa_keras.hub.pretrained.save_pretrained`."""
        from lsa_keras.hub import pretrained

        return pretrained.save_pretrained(self, folder, metadata, weights_dtype=weights_dtype,
                                          repo_id=repo_id)

    def push_to_hub(self, repo_id: str, token: str | None = None, private: bool = False,
                    metadata: dict | None = None, *, weights_dtype: str = "float32"):
        """Upload the pretrained folder to the Hugging Face Hub, creating the repo if needed.

        The model must be calibrated (checked before the repo is created). Returns
        huggingface_hub's ``CommitInfo``; its ``oid`` pins the upload:
        ``from_pretrained(f"hf://{repo_id}@{info.oid}")``. See
        :func:`lsa_keras.hub.pretrained.push_to_hub`.
        """
        from lsa_keras.hub import pretrained

        return pretrained.push_to_hub(self, repo_id, token=token, private=private,
                                      metadata=metadata, weights_dtype=weights_dtype)

    def with_dtype_policy(self, dtype):
        """A copy of this model that computes under another Keras dtype policy.

        For example ``model.with_dtype_policy("mixed_bfloat16")`` scores a float32 model in
        bfloat16 (see :meth:`from_architecture`). The copy is rebuilt from the model's
        registered architecture and gets copies of all weights, normalisation statistics and
        threshold included; the two share no variables.

        Args:
            dtype: a Keras dtype policy name or ``keras.DTypePolicy``.
        """
        if self.architecture is None:
            raise ValueError("with_dtype_policy needs a model built with LSA.from_architecture; "
                             "this one has no registered architecture.")
        channels = [l.channels for l in self.estimator.layers if isinstance(l, AutoregressiveLayer)]
        twin = type(self).from_architecture(
            self.architecture, code_length=self.code_length, bins=self.bins,
            estimator_units=channels[:-1], lam=self.lam, input_noise=self.input_noise,
            dtype=dtype, input_shape=self.image_shape,
        )
        twin.set_weights(self.get_weights())
        return twin

    def count_params(self):
        """Number of trainable parameters, counted as the reference (PyTorch) counts them.

        Batch-normalisation moving statistics are buffers in PyTorch, not parameters, so they
        are left out; the masked layers store only their free weights. ``summary()`` still
        shows Keras' totals, non-trainable statistics included.
        """
        return int(sum(np.prod(w.shape) for w in self.trainable_weights))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "estimator": keras.saving.serialize_keras_object(self.estimator),
                "lam": self.lam,
                "architecture": self.architecture,
                "input_noise": self.input_noise,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for part in ("encoder", "decoder", "estimator"):
            config[part] = keras.saving.deserialize_keras_object(config[part])
        return cls(**config)


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _check_fpr(fpr) -> float:
    """``fpr`` as a float in (0, 1), or a TypeError/ValueError that says what is expected."""
    if isinstance(fpr, bool) or not isinstance(fpr, (int, float, np.integer, np.floating)):
        raise TypeError(f"fpr must be a number in (0, 1), such as 0.05; got {fpr!r} "
                        f"({type(fpr).__name__}).")
    if not 0.0 < fpr < 1.0:  # nan fails this too
        raise ValueError(f"fpr must be in (0, 1), got {fpr!r}.")
    return float(fpr)


def _check_batch_size(batch_size) -> int:
    """Scoring's ``batch_size``: a positive integer, None for the default."""
    if batch_size is None:
        return DEFAULT_BATCH_SIZE
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise TypeError(f"batch_size must be a positive integer or None (the default, "
                        f"{DEFAULT_BATCH_SIZE}), got {batch_size!r} ({type(batch_size).__name__}).")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return int(batch_size)


# fit's counts: (smallest value, whether None is allowed).
_FIT_COUNTS = {"batch_size": (1, True), "epochs": (1, False), "initial_epoch": (0, False),
               "steps_per_epoch": (1, True), "validation_steps": (1, True),
               "validation_freq": (1, False)}


def _check_fit_counts(**kwargs):
    """Refuse counts Keras would take without complaint (``batch_size=0``, ``epochs=-3``)."""
    for name, value in kwargs.items():
        if name not in _FIT_COUNTS:
            continue
        smallest, none_ok = _FIT_COUNTS[name]
        if value is None and none_ok:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"fit's {name} must be an integer"
                            f"{' or None' if none_ok else ''}, got {value!r}.")
        if value < smallest:
            raise ValueError(f"fit's {name} must be >= {smallest}, got {value}.")
    epochs, initial = kwargs.get("epochs", 1), kwargs.get("initial_epoch", 0)
    if initial >= epochs:
        raise ValueError(
            f"fit's epochs ({epochs}) must be greater than initial_epoch ({initial}): epochs is "
            "the number of the last epoch to train, counted from the first, so "
            f"fit(epochs={initial + 1}, initial_epoch={initial}) trains one more.")


def _unstalled_arrays(x, batch_size, validation_data, kwargs):
    """``(x, batch_size, validation_data)`` for ``fit`` on TensorFlow, arrays turned into
    datasets without tf.data's autotuning where Keras' own options allow it (popped from
    ``kwargs``).

    Keras' autotuned pipeline for arrays stalls ``fit`` for up to a second after its last
    batch and each validation pass, and with a global seed it shuffles every epoch into the
    same order; :func:`~lsa_keras.utils.fit_input.training_batches` does neither. Arrays with
    options that only Keras' pipeline implements (``validation_split``, ``sample_weight``,
    ``class_weight``, ``steps_per_epoch``, ``shuffle="batch"``) keep it.
    """
    if isinstance(validation_data, tuple) and len(validation_data) in (1, 2) and _is_array(
            validation_data[0]):  # (images,) or (images, targets that LSA ignores)
        size = kwargs.pop("validation_batch_size", None) or batch_size or 32  # Keras' default
        validation_data = fit_input.array_batches(validation_data[0], size)
    shuffle = kwargs.get("shuffle", True)
    if _is_array(x) and shuffle in (True, False) and not any(
            kwargs.get(k) is not None for k in _ARRAY_ONLY_OPTIONS):
        x, batch_size = fit_input.training_batches(x, batch_size, shuffle=bool(shuffle)), None
        kwargs["shuffle"] = False  # the dataset shuffles; Keras would warn that it does not
    return x, batch_size, validation_data


# fit() options Keras only implements on its own pipeline for arrays.
_ARRAY_ONLY_OPTIONS = ("validation_split", "sample_weight", "class_weight", "steps_per_epoch")
