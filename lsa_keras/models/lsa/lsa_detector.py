"""``LSADetector``: the LSA novelty detector in PyOD's and scikit-learn's terms.

:class:`lsa_keras.LSA` is a Keras model: it is built, compiled, fitted, calibrated and scored
as Keras models are. Users of anomaly-detection libraries expect a detector instead: an
estimator whose constructor only stores its settings, whose ``fit(X)`` does everything needed
to score (here: build an LSA, train it on part of ``X``, calibrate its score normalisation and
threshold on the rest), and which then answers ``decision_function`` (higher is more novel),
``predict`` (0 normal / 1 novel, PyOD's convention) and ``predict_proba``, with the fitted
attributes ``decision_scores_``, ``labels_`` and ``threshold_`` of PyOD's ``BaseDetector``.

It follows scikit-learn's estimator conventions (``get_params``/``set_params``, ``clone``,
``NotFittedError`` before ``fit``, parameters validated in ``fit``), so it works with
``sklearn.base.clone``, ``GridSearchCV``-style tooling and ``pickle``. ``predict`` returns 0/1
as PyOD does, not scikit-learn's -1/+1 outlier convention.
"""

from __future__ import annotations

import inspect
import math
import numbers
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted

from lsa_keras.models.lsa.lsa import LSA

PROBA_METHODS = ("linear", "unify")
# scikit-learn 1.6 renamed check_array's force_all_finite to ensure_all_finite.
_FINITE = ({"ensure_all_finite": True}
           if "ensure_all_finite" in inspect.signature(check_array).parameters
           else {"force_all_finite": True})


class LSADetector(BaseEstimator):
    """Latent Space Autoregression novelty detector with a PyOD / scikit-learn interface.

    ``fit(X)`` trains a fresh :class:`lsa_keras.LSA` of the named architecture on the images of
    ``X`` that are not held out, then calibrates it (score normalisation and the threshold on
    the novelty score NS) on a held-out ``validation_fraction`` of ``X``. ``X`` is taken to be
    normal data (novelty detection); ``contamination`` only sets the fraction of normal data
    the threshold flags.

    Images may be given as ``(n, *image_shape)`` (e.g. ``(n, 28, 28, 1)`` for ``"mnist"``),
    without a single channel axis (``(n, 28, 28)``), or flattened ``(n, 784)`` as
    scikit-learn's two-dimensional ``X``; uint8 in [0, 255] or float in [0, 1]. The scoring
    methods (``decision_function``, ``predict``, ``predict_proba``, and ``from_model``'s
    reference images) also take a ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of image
    batches, streamed as :meth:`lsa_keras.LSA.score` streams them. ``fit`` takes arrays only:
    it holds out a random part of ``X``; to train on a dataset, train and calibrate an
    :class:`lsa_keras.LSA` and wrap it with :meth:`from_model`.

    Args:
        architecture: a registered LSA architecture (``lsa_keras.available_architectures()``):
            ``"mnist"`` (28x28x1) or ``"cifar10"`` (32x32x3) for images.
        fpr: target false-positive rate on normal data: the threshold leaves this fraction of
            the held-out images above it. In (0, 1).
        contamination: PyOD's name for the same rate; when given it is used instead of
            ``fpr``. In (0, 0.5].
        epochs: training epochs.
        batch_size: images per training and scoring batch.
        learning_rate: Adam's learning rate (the paper's 1e-4 by default).
        validation_fraction: fraction of ``X`` held out for calibration (at least 2 images).
        code_length: d, the length of the latent code.
        bins: B, the bins of the autoregressive density estimator.
        estimator_units: hidden channels of the estimator; ``None`` for the paper's.
        lam: weight of the LLK term in training; ``None`` for the paper's.
        seed: seed of the hold-out split and of Keras' global random state (weights
            initialisation, shuffling) at ``fit``; ``None`` leaves both unseeded.
        verbose: Keras' ``fit`` verbosity (0 silent, 1 progress bar, 2 one line per epoch).

    Attributes:
        model_: after ``fit``: the trained, calibrated :class:`lsa_keras.LSA`.
        decision_scores_: float64 ``(n,)``, NS of every image of ``X`` (PyOD's
            ``decision_scores_``; the held-out images included).
        threshold_: NS above which an image is novel (from the held-out images).
        labels_: int ``(n,)``, ``(decision_scores_ > threshold_)``, 1 is novel.
        calibration_indices_: int ``(m,)``, the rows of ``X`` held out for calibration.
        history_: ``{metric: [value per epoch]}`` from Keras' ``fit``.
        image_shape_: the model's input shape, e.g. ``(28, 28, 1)``.

    Example:
        ```python
        detector = lsa_keras.LSADetector("mnist", epochs=5).fit(x_normal)
        scores = detector.decision_function(x_test)  # (n,), higher = more novel
        labels = detector.predict(x_test)            # (n,), 1 = novel
        proba = detector.predict_proba(x_test)       # (n, 2), rows sum to 1
        pretrained = lsa_keras.LSADetector.from_pretrained("mnist-7")
        ```
    """

    def __init__(
        self,
        architecture: str = "mnist",
        fpr: float = 0.05,
        contamination: float | None = None,
        epochs: int = 10,
        batch_size: int = 256,
        learning_rate: float = 1e-4,
        validation_fraction: float = 0.1,
        code_length: int = 64,
        bins: int = 100,
        estimator_units: tuple[int, ...] | None = None,
        lam: float | None = None,
        seed: int | None = 0,
        verbose: int = 0,
    ) -> None:
        self.architecture = architecture
        self.fpr = fpr
        self.contamination = contamination
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.code_length = code_length
        self.bins = bins
        self.estimator_units = estimator_units
        self.lam = lam
        self.seed = seed
        self.verbose = verbose

    # -- scikit-learn plumbing --------------------------------------------------------------

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # training on a CPU or GPU is not bit-reproducible
        tags.requires_fit = True
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        tags.input_tags.three_d_array = True
        return tags

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> "LSADetector":
        """Train an LSA on ``X`` less a held-out part, and calibrate it on that part.

        Args:
            X: normal images, an array ``(n, *image_shape)``, ``(n, h, w)`` for one channel,
                or ``(n, prod(image_shape))``; uint8 in [0, 255] or float in [0, 1].
            y: ignored (present for API consistency).

        Returns:
            the fitted detector.

        Raises:
            TypeError: ``X`` is a ``tf.data.Dataset`` or ``keras.utils.PyDataset``: the random
                hold-out needs the images at hand. Train on a dataset with
                :meth:`lsa_keras.LSA.fit`, calibrate with :meth:`lsa_keras.LSA.calibrate` (both
                stream), and wrap the model with :meth:`from_model`.
        """
        rate = self._validate_params()
        if self.seed is not None:
            keras.utils.set_random_seed(int(self.seed))
        model = LSA.from_architecture(
            self.architecture, code_length=int(self.code_length), bins=int(self.bins),
            estimator_units=None if self.estimator_units is None else tuple(self.estimator_units),
            lam=self.lam,
        )
        x = _as_images(X, model.image_shape, "X", datasets=False)
        n = len(x)
        n_cal = max(2, int(math.ceil(self.validation_fraction * n)))
        if n - n_cal < 1:
            raise ValueError(
                f"X has {n} images; with validation_fraction={self.validation_fraction} "
                f"{n_cal} of them are held out for calibration (at least 2), leaving none to "
                "train on. Pass more images."
            )
        order = np.random.RandomState(self.seed).permutation(n)
        calibration_indices = np.sort(order[:n_cal])
        train_indices = np.sort(order[n_cal:])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=float(self.learning_rate)))
        history = model.fit(x[train_indices], epochs=int(self.epochs),
                            batch_size=int(self.batch_size), verbose=self.verbose, shuffle=True)
        model.calibrate(x[calibration_indices], fpr=rate, batch_size=int(self.batch_size))

        self.model_ = model
        self.image_shape_ = tuple(model.image_shape)
        self.calibration_indices_ = calibration_indices
        self.history_ = {k: [float(v) for v in vals] for k, vals in history.history.items()}
        self._set_scores(x)
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)``, then the labels of ``X``: :attr:`labels_`, int ``(n,)``, 1 is novel."""
        return self.fit(X, y).labels_

    @classmethod
    def from_model(cls, model, X: Any = None, batch_size: int = 256) -> "LSADetector":
        """A fitted detector around a calibrated :class:`lsa_keras.LSA` (a pretrained one).

        Its threshold is the model's calibrated one. PyOD's training-set attributes need the
        scores of normal data: with ``X`` (normal reference images) ``decision_scores_`` and
        ``labels_`` are computed on it, and :meth:`predict_proba` scales by them; without it,
        ``decision_function`` and ``predict`` work and ``predict_proba`` says what it needs.

        Args:
            model: a calibrated ``LSA``.
            X: optional normal reference images, as for :meth:`fit`, or a ``tf.data.Dataset``
                / ``keras.utils.PyDataset`` of them (streamed).
            batch_size: images per scoring batch.
        """
        _check_batch_size(batch_size)
        threshold = model.threshold_  # raises ValueError if the model is not calibrated
        units = [int(layer.channels) for layer in model.estimator.layers
                 if hasattr(layer, "channels")]
        detector = cls(
            architecture=model.architecture, code_length=int(model.code_length),
            bins=int(model.bins), estimator_units=tuple(units[:-1]) if units else None,
            lam=float(model.lam), batch_size=batch_size,
        )
        detector.model_ = model
        detector.image_shape_ = tuple(model.image_shape)
        detector.threshold_ = float(threshold)
        if X is not None:
            detector._set_scores(_as_images(X, model.image_shape, "X"))
        return detector

    @classmethod
    def from_pretrained(cls, name_or_path: str, X: Any = None, **kwargs) -> "LSADetector":
        """:func:`lsa_keras.from_pretrained` (zoo name, ``hf://`` handle or folder), wrapped
        by :meth:`from_model`; ``kwargs`` go to ``from_pretrained`` (``trust_unverified=True``
        loads a folder whose hashes are recorded nowhere, such as one of lsa_keras 0.1.0)."""
        from lsa_keras.hub import from_pretrained

        return cls.from_model(from_pretrained(name_or_path, **kwargs), X)

    def _set_scores(self, x: Any) -> None:
        self.decision_scores_ = np.asarray(
            self.model_.decision_function(x, batch_size=_check_batch_size(self.batch_size)),
            "float64")
        self.threshold_ = float(self.model_.threshold_)
        self.labels_ = (self.decision_scores_ > self.threshold_).astype("int64")

    # -- scoring ------------------------------------------------------------------------------

    def decision_function(self, X: Any) -> np.ndarray:
        """Novelty scores NS of images; higher is more novel.

        Args:
            X: images, in any of the forms :meth:`fit` accepts, or a ``tf.data.Dataset`` /
                ``keras.utils.PyDataset`` of them, streamed (as :meth:`lsa_keras.LSA.score`
                takes them).

        Returns:
            float64 ``(n,)``.
        """
        check_is_fitted(self, "model_")
        x = _as_images(X, self.model_.image_shape, "X")
        return np.asarray(self.model_.decision_function(
            x, batch_size=_check_batch_size(self.batch_size)), "float64")

    def predict(self, X: Any) -> np.ndarray:
        """1 (novel) where NS exceeds :attr:`threshold_`, else 0: int ``(n,)``."""
        return (self.decision_function(X) > self.threshold_).astype("int64")

    def predict_proba(self, X: Any, method: str = "linear") -> np.ndarray:
        """Probability of being normal (column 0) and novel (column 1), as PyOD computes it.

        Args:
            X: images, in any of the forms :meth:`fit` accepts, or a ``tf.data.Dataset`` /
                ``keras.utils.PyDataset`` of them, streamed (as :meth:`lsa_keras.LSA.score`
                takes them).
            method: ``"linear"``: NS min-max scaled by the training scores
                (:attr:`decision_scores_`) and clipped to [0, 1]; ``"unify"``: ``erf`` of NS
                standardised by the training scores' mean and standard deviation, clipped to
                [0, 1] (Kriegel et al., "Interpreting and unifying outlier scores", 2011).

        Returns:
            float64 ``(n, 2)``; every row sums to 1.
        """
        check_is_fitted(self, "model_")
        if method not in PROBA_METHODS:
            raise ValueError(f"method must be one of {PROBA_METHODS}, got {method!r}.")
        train = getattr(self, "decision_scores_", None)
        if train is None:
            raise ValueError(
                "predict_proba scales scores by those of normal training images, which this "
                "detector does not have: fit it, or build it with "
                "LSADetector.from_model(model, X) with normal reference images X."
            )
        scores = self.decision_function(X)
        if method == "linear":
            lo, hi = float(np.min(train)), float(np.max(train))
            novel = (scores - lo) / (hi - lo if hi > lo else 1.0)
        else:
            from scipy.special import erf

            sigma = float(np.std(train))
            novel = erf((scores - float(np.mean(train))) / ((sigma or 1.0) * math.sqrt(2.0)))
        novel = np.clip(novel, 0.0, 1.0)
        return np.stack([1.0 - novel, novel], axis=1)

    # -- validation ---------------------------------------------------------------------------

    def _validate_params(self) -> float:
        """Check the parameters (scikit-learn validates in ``fit``, not ``__init__``); return
        the false-positive rate to calibrate with."""
        def integer(name, low):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")

        def fraction(name, low, high, high_inclusive=False):
            value = getattr(self, name)
            ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                  and low < value and (value <= high if high_inclusive else value < high))
            if not ok:
                bracket = "]" if high_inclusive else ")"
                raise ValueError(f"{name} must be a number in ({low}, {high}{bracket}, got "
                                 f"{value!r}.")
            return float(value)

        if not isinstance(self.architecture, str):
            raise ValueError(f"architecture must be a registered architecture name, got "
                             f"{self.architecture!r}.")
        for name, low in (("epochs", 1), ("batch_size", 1), ("code_length", 1), ("bins", 2),
                          ("verbose", 0)):
            integer(name, low)
        fraction("validation_fraction", 0.0, 1.0)
        lr = self.learning_rate
        if (isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr)
                or lr <= 0):
            raise ValueError(f"learning_rate must be a finite number > 0, got {lr!r}.")
        if self.seed is not None and (isinstance(self.seed, bool)
                                      or not isinstance(self.seed, numbers.Integral)):
            raise ValueError(f"seed must be an integer or None, got {self.seed!r}.")
        if self.contamination is not None:
            return fraction("contamination", 0.0, 0.5, high_inclusive=True)
        return fraction("fpr", 0.0, 1.0)


def _check_batch_size(batch_size: Any) -> int:
    """The scoring ``batch_size`` parameter as an int, or a ValueError that says what it must
    be (it may have been changed by ``set_params`` since ``fit``)."""
    if (isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
            or batch_size < 1):
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}.")
    return int(batch_size)


def _as_images(X: Any, image_shape: tuple[int, ...], name: str = "X", datasets: bool = True):
    """``X`` as an array ``(n, *image_shape)``, with scikit-learn's checks (numeric, finite,
    at least one sample, no complex values) and clear shape errors; the value range (uint8
    or [0, 1]) is checked by the model. With ``datasets``, a ``tf.data.Dataset`` or
    ``keras.utils.PyDataset`` is returned as it is, for the model to stream; without, it is
    a TypeError that says how to train on one."""
    from lsa_keras.utils.fit_input import is_dataset

    image_shape = tuple(int(d) for d in image_shape)
    if X is None:
        raise ValueError(f"{name} must be an array of images {('n', *image_shape)}, got None.")
    if is_dataset(X):
        if datasets:
            return X  # checked batch by batch as the model scores it
        raise TypeError(
            f"LSADetector.fit takes an array of images: it holds out a random "
            f"validation_fraction of {name} to calibrate on. To train on a "
            f"{type(X).__name__}, train and calibrate an LSA on it (model.fit(train), "
            "model.calibrate(validation), both streamed) and wrap the model: "
            "LSADetector.from_model(model).")
    x = check_array(X, allow_nd=True, dtype="numeric", input_name=name, **_FINITE)
    if x.dtype == bool:
        raise ValueError(f"{name} must hold uint8 or float images, got booleans.")
    n = x.shape[0]
    size = int(np.prod(image_shape))
    if x.shape[1:] == image_shape:
        return x
    if x.ndim == 2 and x.shape[1] == size:
        return x.reshape((n, *image_shape))
    if image_shape[-1] == 1 and x.shape[1:] == image_shape[:-1]:
        return x[..., None]
    forms = [(n, *image_shape), (n, size)] + ([(n, *image_shape[:-1])]
                                               if image_shape[-1] == 1 else [])
    raise ValueError(
        f"{name} must hold images of shape {image_shape} for this architecture, as an array "
        f"of shape {' or '.join(str(f) for f in forms)}; got {x.shape}."
    )


__all__ = ["LSADetector"]
