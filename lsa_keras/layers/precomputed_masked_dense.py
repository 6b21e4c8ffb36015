"""An inference copy of an MFC layer whose kernel slabs are laid out once, not at every call."""

import functools

import keras
from keras import ops

from lsa_keras.layers.masked_dense import MaskedDense


class PrecomputedMaskedDense(keras.layers.Layer):
    """The function of a built :class:`MaskedDense`, for inference, with its slabs precomputed.

    :class:`MaskedDense` lays out the diagonal squares of its kernel slabs from free blocks
    at every call and multiplies each group's rows and square separately: in training that
    is part of the gradient's path, but a scorer would repeat it for every batch.
    This layer keeps the slabs (and the bias) as non-trainable variables that
    :meth:`refresh` lays out from the source layer when its kernel has changed, so a scorer
    lays them out once per model state instead of once per batch. It is never saved: scorers
    build it from the model.

    Input shape: ``(batch, d, ci)``. Output shape: ``(batch, d, units)``, the source's.

    Args:
        source: the built :class:`MaskedDense` whose weights it copies.
    """

    def __init__(self, source, **kwargs):
        if not isinstance(source, MaskedDense) or not source.built:
            raise ValueError(f"source must be a built MaskedDense, got {source!r}.")
        kwargs.setdefault("name", f"{source.name}_precomputed")
        kwargs.setdefault("dtype", source.dtype_policy)
        super().__init__(trainable=False, **kwargs)
        object.__setattr__(self, "source", source)  # not tracked: its weights are not ours
        self.units = source.units
        self.input_spec = keras.layers.InputSpec(
            ndim=3, axes={-2: source.code_length, -1: source.input_channels})

    def build(self, input_shape):
        src = self.source
        ci, co = src.input_channels, src.units
        self.slabs = [
            self.add_weight(name=f"slab{k}", shape=(hi * ci, (hi - lo) * co),
                            initializer="zeros", trainable=False)
            for k, (lo, hi, _) in enumerate(src._slabs)
        ]
        # The source kernel variables the slabs were laid out from, to tell whether they
        # changed since (compared as they are held, with no layout).
        self.kernel_seen = [
            self.add_weight(name=f"seen{k}", shape=tuple(v.shape), initializer="zeros",
                            trainable=False)
            for k, v in enumerate(src.kernel_variables)
        ]
        self.bias = None
        if src.bias is not None:
            self.bias = self.add_weight(name="bias", shape=src.bias.shape, initializer="zeros",
                                        trainable=False)
        self.refresh(force=True)

    def refresh(self, force=False):
        """Bring the copy up to date with the source layer's current weights.

        The slabs are laid out again only if the source's kernel variables differ from the ones
        they came from (an exact comparison, much cheaper than laying them out); the bias is always
        copied. Returns whether the slabs were laid out again.
        """
        src = self.source
        # Copies: JAX's predict donates these variables' buffers, which must not be the
        # source's.
        if self.bias is not None:
            self.bias.assign(ops.copy(src.bias))
        current = src.kernel_variables
        if not force and all_equal(self.kernel_seen, current):
            return False
        for variable, slab in zip(self.slabs, src.dense_slabs()):
            variable.assign(slab)
        for seen, v in zip(self.kernel_seen, current):
            seen.assign(ops.copy(v))
        return True

    def call(self, inputs):
        src = self.source
        d = src.code_length
        x = ops.reshape(inputs, (-1, d * src.input_channels))
        y = src.slab_matmul(x, [ops.cast(s, x.dtype) for s in self.slabs])
        y = ops.reshape(y, (-1, d, self.units))
        return y if self.bias is None else y + ops.cast(self.bias, y.dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)


def all_equal(xs, ys) -> bool:
    """Whether every tensor (or variable) of ``xs`` equals the one of ``ys`` at its place,
    elementwise and exactly."""
    if keras.backend.backend() == "tensorflow":
        # One graph: TensorFlow's eager comparisons of the ~40 variables of an MNIST estimator
        # took 23 ms, the graph 7.6.
        def backend_values(values):  # tf.Variables, not Keras', which it would retrace for
            return [getattr(v, "value", v) for v in values]

        return bool(_tensorflow_all_equal()(backend_values(xs), backend_values(ys)))
    return bool(ops.all(ops.stack([ops.all(ops.equal(x, y)) for x, y in zip(xs, ys)])))


@functools.cache
def _tensorflow_all_equal():
    import tensorflow as tf

    @tf.function
    def compare(xs, ys):
        return tf.reduce_all(tf.stack([tf.reduce_all(tf.equal(x, y)) for x, y in zip(xs, ys)]))

    return compare
