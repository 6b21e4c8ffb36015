"""Batch normalisation that trains through TensorFlow's fused kernel where it can."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lsa_keras")
class BatchNorm(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training path on TensorFlow.

    In training mode on the TensorFlow backend, for float32 channels-last inputs of rank 4 or
    5, the batch statistics and the normalisation come from one ``FusedBatchNormV3`` kernel
    (and its gradient from one kernel), where Keras' layer builds them from a dozen elementwise
    and reduction ops. Everything else (inference, other
    backends and dtypes, masks, renorm, frozen layers) is Keras' layer unchanged. The results
    are the same up to rounding: the moving variance is updated with the biased batch variance
    as Keras does, and TensorFlow raises an epsilon below 1.001e-5 to that value (PyTorch's
    1e-5 becomes 1.001e-5 on this path only).

    Input shape: any; output shape: the input's. Arguments: those of
    ``keras.layers.BatchNormalization``.
    """

    def _fused_training(self, inputs, mask):
        rank = len(inputs.shape)
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            and rank in (4, 5)
            and self.axis in (-1, rank - 1)
            and self.center and self.scale
            and not self.renorm and not self.synchronized
            and keras.backend.standardize_dtype(inputs.dtype) == "float32"
            and self.compute_dtype == "float32"
        )

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable and self._fused_training(inputs, mask)):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, self.gamma.value, self.beta.value, epsilon=self.epsilon,
            data_format="NHWC" if len(inputs.shape) == 4 else "NDHWC", is_training=True,
        )
        # The kernel returns the unbiased (n - 1) variance; Keras' layer averages the biased one.
        count = ops.cast(ops.size(inputs) // ops.shape(inputs)[-1], "float32")
        variance = variance * ((count - 1.0) / count)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum)
        )
        return outputs
