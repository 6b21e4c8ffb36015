"""The inference scorer of a trained LSA: per-sample LLK and REC, compiled once per model.

Per sample, LLK is the surprisal ``-log h(z)`` of the code under the autoregressive estimator and
REC the sum of squared reconstruction errors (paper Eqs. 9-10, before normalisation).
"""

from __future__ import annotations

import types
import warnings

import keras
import numpy as np

from lsa_keras.layers.masked_dense import MaskedDense
from lsa_keras.layers.precomputed_masked_dense import PrecomputedMaskedDense
from lsa_keras.losses import per_sample_losses
from lsa_keras.utils import fit_input, jax_state
from lsa_keras.utils.preprocessing import as_model_images


def per_sample_scores(model: keras.Model, images, batch_size: int = 256,
                      verbose: int | str = 0, *, name: str = "images",
                      single: bool = True) -> dict[str, np.ndarray]:
    """Raw per-sample ``{"llk": (n,), "rec": (n,)}`` with batch normalisation in inference mode.

    Args:
        model: an :class:`lsa_keras.LSA`.
        images: ``(n, *model.image_shape)`` (with ``single``, one image ``image_shape`` too),
            uint8 in [0, 255] or float in [0, 1]; or a ``tf.data.Dataset`` or
            ``keras.utils.PyDataset`` of such batches (or of ``(images, ...)`` tuples), streamed
            by :func:`streamed_scores`.
        batch_size: images per batch of an array (or of a ``tf.data.Dataset`` of single
            images).
        verbose: as for :func:`raw_scores`.
        name: what errors call ``images``.

    Raises:
        ValueError: input that is not images of the model's shape (uint8, or floats in [0, 1]
            without NaN/Inf), naming the expected form and, for a dataset, the batch.
    """
    if fit_input.is_dataset(images):
        return streamed_scores(model, images, batch_size, verbose, name=name)
    return raw_scores(model, as_model_images(images, model.image_shape, single=single, name=name),
                      batch_size, verbose)


def raw_scores(model: keras.Model, x: np.ndarray, batch_size: int = 256,
               verbose: int | str = 0) -> dict[str, np.ndarray]:
    """:func:`per_sample_scores` of images already checked and converted to float32 in [0, 1]
    (by :func:`lsa_keras.utils.preprocessing.as_model_images`), so callers that hold them convert
    once.

    ``verbose``: 1 shows Keras' progress bar (``keras.utils.Progbar``, on standard output),
    0 none, ``"auto"`` a bar when there are more than :data:`PROGRESS_MIN_BATCHES` batches and
    standard output is a terminal or a notebook.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    batch_size = int(batch_size)
    data = x
    if keras.backend.backend() == "tensorflow":
        # Plain batches without autotuning: Keras' own pipeline for arrays stalls ``predict``
        # after its last batch (fit_input.without_autotuning), and one graph serves every
        # batch size (a batch-by-batch loop would trace one per first-seen size, and its
        # scores would depend on what was scored before).
        data = fit_input.array_batches(x, batch_size)
    return _predict(model, data, None if data is not x else batch_size,
                    progress_verbosity(verbose, -(-len(x) // batch_size)))


def streamed_scores(model: keras.Model, source, batch_size: int = 256,
                    verbose: int | str = 0, name: str = "images") -> dict[str, np.ndarray]:
    """:func:`per_sample_scores` of a ``tf.data.Dataset`` or ``keras.utils.PyDataset``, streamed:
    batches go through the compiled scorer's ``predict`` as they are read, and only the
    per-sample scores are kept, so a dataset larger than memory can be scored.

    Each batch is checked and converted as an array is
    (:func:`lsa_keras.utils.fit_input.scoring_source`): images, or tuples whose first element is
    the images (the rest is ignored); a ``tf.data.Dataset`` of single images is batched by
    ``batch_size``, other datasets are scored in their own batches. ``verbose="auto"`` counts
    the dataset's batches (a bar on a terminal when tf.data does not know how many).

    Raises:
        ValueError (:class:`~lsa_keras.utils.fit_input.InputError`): a bad batch, named; a
            dataset of dicts, an empty one or an infinite one.
    """
    data, batches = fit_input.scoring_source(source, model.image_shape, name, int(batch_size))
    try:
        with warnings.catch_warnings():
            # Keras' warning about a dataset that yields nothing speaks of training; the
            # error below says it for scoring.
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            return _predict(model, data, None, progress_verbosity(verbose, batches))
    except Exception as e:  # noqa: BLE001 (only the input checks' errors are rewritten)
        # The checks run inside tf.data or a Keras data adapter, which wrap their errors.
        error = fit_input.input_error_in(e)
        if error is None and isinstance(e, UnboundLocalError):
            # Keras' predict reads its last batch's outputs after a dataset of no batches.
            error = fit_input.InputError(f"{name} yielded no batches of images.")
        if error is None:
            raise
    raise error


def _predict(model, data, batch_size, verbose):
    """``{"llk", "rec"}`` float64 ``(n,)`` of ``data`` through ``model``'s :func:`scorer`."""
    compiled = scorer(model)
    refresh(model)
    state = jax_state.saved_state(compiled)
    try:
        out = compiled.predict(data, batch_size=batch_size, verbose=verbose)
    except BaseException:
        # JAX: the scorer's variables (the model's own) are emptied while predict runs.
        jax_state.restore_state(compiled, state)
        raise
    return {k: np.asarray(out[k], "float64").reshape(-1) for k in ("llk", "rec")}


# verbose="auto" shows a progress bar from this many batches on (long scoring only).
PROGRESS_MIN_BATCHES = 20


def interactive_output() -> bool:
    """Whether standard output is watched: a terminal or a Jupyter kernel (not a log file)."""
    import sys

    return bool(getattr(sys.stdout, "isatty", lambda: False)()) or "ipykernel" in sys.modules


def progress_verbosity(verbose: int | str, batches: int | None) -> int:
    """Keras' ``verbose`` for scoring ``batches`` batches (None: a number not known in
    advance): ``"auto"`` is 1 for more than :data:`PROGRESS_MIN_BATCHES` batches, or an
    unknown number, on a terminal or in a notebook (:func:`interactive_output`), else 0."""
    if verbose == "auto":
        return int((batches is None or batches > PROGRESS_MIN_BATCHES) and interactive_output())
    if verbose not in (0, 1, 2, False, True):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}.")
    return int(verbose)


def scorer(model: keras.Model) -> keras.Model:
    """A functional Keras model ``images -> {"llk": (n,), "rec": (n,)}`` on ``model``'s weights.

    Its ``predict`` runs the per-sample losses compiled: a TensorFlow graph, ``jax.jit``, or
    PyTorch eager without autograd (Keras's ``jit_compile="auto"``), where calling the model
    eagerly batch by batch spent most of the time dispatching single ops. TensorFlow uses no
    XLA on a CPU, where the XLA scorer compiles longer and then scores slower. Built once and
    kept on the model, outside what Keras saves.

    The encoder and decoder are the model's own (in inference mode their blocks fold batch
    normalisation into the convolutions). The estimator is an inference copy whose MFC layers
    hold their kernel slabs precomputed (:class:`~lsa_keras.layers.PrecomputedMaskedDense`):
    call :func:`refresh` after the model's weights change; :func:`raw_scores` does.
    """
    cache = model.__dict__.get("_lsa_scorer")
    if cache is None:
        estimator, copies = inference_estimator(model.estimator)
        images = keras.Input(model.image_shape)
        rec, llk = per_sample_losses(images, model.outputs_with(estimator, images, training=False))
        cache = types.SimpleNamespace(model=keras.Model(images, {"llk": llk, "rec": rec}),
                                      copies=copies)
        cache.model.compile(jit_compile="auto")
        object.__setattr__(model, "_lsa_scorer", cache)  # untracked: not a sub-layer
    return cache.model


def refresh(model: keras.Model) -> None:
    """Copy ``model``'s current estimator weights into its :func:`scorer`'s inference copy."""
    scorer(model)
    for layer in model.__dict__["_lsa_scorer"].copies:
        layer.refresh()


def inference_estimator(estimator):
    """``(network, copies)``: ``estimator`` with each :class:`MaskedDense` replaced by a
    :class:`PrecomputedMaskedDense` copy (listed in ``copies``), other layers shared.

    Only a ``keras.Sequential`` estimator is rewritten; any other network is returned as it is,
    with no copies."""
    if not isinstance(estimator, keras.Sequential) or not any(
            isinstance(layer, MaskedDense) for layer in estimator.layers):
        return estimator, []
    layers = [PrecomputedMaskedDense(layer) if isinstance(layer, MaskedDense) else layer
              for layer in estimator.layers]
    network = keras.Sequential([keras.Input(estimator.input_shape[1:]), *layers],
                               name=f"{estimator.name}_inference")
    return network, [layer for layer in layers if isinstance(layer, PrecomputedMaskedDense)]
