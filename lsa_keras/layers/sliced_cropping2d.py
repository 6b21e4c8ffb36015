"""Cropping of the 2D up blocks' "valid" transposed convolutions, as a slice."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lsa_keras")
class SlicedCropping2D(keras.layers.Cropping2D):
    """``keras.layers.Cropping2D`` (``channels_last``) computed with ``ops.slice``.

    Same arguments, output and configuration as Keras' layer. Keras crops with a strided
    slice, whose TensorFlow gradient (StridedSliceGrad) cost more than the transposed
    convolution it follows; a slice's gradient is a Pad. On the 2D up blocks' shapes this is
    also faster than computing only the kept outputs as :class:`CroppedConv3DTranspose` does.

    Input ``(batch, h, w, c)``; output ``(batch, h - top - bottom, w - left - right, c)``.
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
        if self.data_format != "channels_last":
            raise ValueError("SlicedCropping2D supports channels_last only.")

    def call(self, inputs):
        (top, bottom), (left, right) = self.cropping
        static = inputs.shape
        if any(n is not None and sum(crop) >= n for n, crop in zip(static[1:3], self.cropping)):
            raise ValueError(
                f"{self.name}: cropping {self.cropping} must be smaller than the input's height "
                f"and width, got input shape {tuple(static)}."
            )
        batch, h, w, c = ops.shape(inputs)
        return ops.slice(inputs, [0, top, left, 0], [batch, h - top - bottom, w - left - right, c])
