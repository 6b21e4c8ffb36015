"""A calibrated LSA as a serving artifact: images in; ``llk``, ``rec``, ``ns`` and ``label``
out, with the score statistics and the threshold baked in (TensorFlow SavedModel or ONNX)."""

from __future__ import annotations

import keras
from keras import ops

from lsa_keras.layers.folding import portable_ops
from lsa_keras.models.lsa import lsa_scorer

EXPORT_FORMATS = ("tf_saved_model", "onnx")
INPUT_DTYPES = ("float32", "uint8")


class NoveltyHead(keras.layers.Layer):
    """Raw per-sample ``llk`` and ``rec`` ``(batch,)`` -> the dict of the four served outputs.

    ``ns`` is the sum of the min-max normalised scores (paper Eq. 9), ``label`` is 1 where
    ``ns`` exceeds the threshold. The statistics are constants of the exported graph, taken
    from the model when the export is built.

    Args:
        lows, highs: ``(llk, rec)`` minima and maxima over the calibration images.
        threshold: the NS threshold.
    """

    def __init__(self, lows, highs, threshold, **kwargs):
        super().__init__(**kwargs)
        self.lows = tuple(float(v) for v in lows)
        self.highs = tuple(float(v) for v in highs)
        self.threshold = float(threshold)

    def call(self, llk, rec):
        # As lsa_keras.scoring.novelty_scores: a constant score range counts as 1e-12 wide.
        spans = [max(hi - lo, 1e-12) for lo, hi in zip(self.lows, self.highs)]
        ns = (llk - self.lows[0]) / spans[0] + (rec - self.lows[1]) / spans[1]
        return {"llk": llk, "rec": rec, "ns": ns,
                "label": ops.cast(ops.greater(ns, self.threshold), "int32")}

    def get_config(self):
        return {**super().get_config(), "lows": self.lows, "highs": self.highs,
                "threshold": self.threshold}


def serving_model(model, input_dtype: str = "float32") -> keras.Model:
    """A functional ``keras.Model`` ``images -> {"llk", "rec", "ns", "label"}`` on ``model``'s
    weights, each output ``(batch,)``: what :func:`export` writes.

    Args:
        model: a calibrated :class:`~lsa_keras.LSA` (images or video clips).
        input_dtype: ``"float32"`` (values in [0, 1]) or ``"uint8"`` (values in [0, 255],
            divided by 255 in the graph).

    Raises:
        ValueError: an uncalibrated model, or another ``input_dtype``.
    """
    if input_dtype not in INPUT_DTYPES:
        raise ValueError(f"input_dtype must be one of {INPUT_DTYPES}, got {input_dtype!r}.")
    stats = model.score_statistics
    images = keras.Input(tuple(model.image_shape), dtype=input_dtype, name="images")
    x = ops.cast(images, "float32")
    if input_dtype == "uint8":
        x = x / 255.0
    raw = lsa_scorer.scorer(model)(x)
    head = NoveltyHead((stats["llk"][0], stats["rec"][0]), (stats["llk"][1], stats["rec"][1]),
                       model.threshold_, name="novelty")
    serving = keras.Model(images, head(raw["llk"], raw["rec"]), name=f"{model.name}_serving")
    # Keras exports only a model that has been called (its ONNX path traces that call).
    serving(ops.zeros((1, *model.image_shape), input_dtype))
    return serving


def export(model, filepath: str, format: str = "tf_saved_model", verbose: bool | None = None,
           input_dtype: str = "float32", **kwargs) -> None:
    """Write the calibrated detector for serving; see :meth:`lsa_keras.LSA.export`."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}, got {format!r}.")
    if format == "onnx" and keras.backend.backend() == "tensorflow":
        try:
            import tf2onnx  # noqa: F401
        except ImportError as e:
            raise ImportError("ONNX export under TensorFlow needs tf2onnx: pip install "
                              "'lsa-keras[export]'.") from e
    with portable_ops():
        serving = serving_model(model, input_dtype)
        serving.export(filepath, format=format, verbose=verbose, **kwargs)
