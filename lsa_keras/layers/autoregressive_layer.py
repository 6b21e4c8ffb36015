"""What MFC and MSC share: arguments, free-block kernels, bias and configuration."""

import keras
from keras import ops

from lsa_keras.initializers import FanInUniform, serialize_optional
from lsa_keras.layers import masks


class AutoregressiveLayer(keras.layers.Layer):
    """Base of the masked layers; input ``(..., d, ci)``, output ``(..., d, channels)``.

    Subclasses name their output channels (``units`` or ``filters``), set ``fan_in_factor``
    (how many ``d*ci`` slices feed one output in the reference) and implement ``call``.
    """

    channels_name = "channels"
    fan_in_factor = 1
    # Output positions are evaluated in this many groups, each a matmul with the rows its
    # positions can see: about (G + 1) / 2G of the dense masked matmul's work (9/16 for 8).
    # 1 gives the straightforward dense masked matmul. It changes no weight, only the order
    # of float additions. None: 8, but at least 8 positions a group (one group below a code
    # of 16), where smaller groups only add operations to trace.
    evaluation_groups = None

    def __init__(self, channels, mask_type, use_bias, kernel_initializer, bias_initializer,
                 ndim, **kwargs):
        super().__init__(**kwargs)
        if int(channels) <= 0:
            raise ValueError(f"{self.channels_name} must be a positive integer, got {channels!r}.")
        self.channels = int(channels)
        self.mask_type = masks.check_mask_type(mask_type)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(ndim=ndim)

    def _build_common(self, input_shape):
        """Check the shape and return the kernel initialiser (call ``_build_bias`` after)."""
        ndim = self.input_spec.ndim
        d, ci = input_shape[-2], input_shape[-1]
        if len(input_shape) != ndim or d is None or ci is None:
            raise ValueError(
                f"{type(self).__name__} needs an input of rank {ndim} ending in a known code "
                f"length and channel count (..., d, ci), got input shape {input_shape}."
            )
        self.code_length, self.input_channels = int(d), int(ci)
        # PyTorch's default for the reference: uniform in +-1/sqrt(fan_in).
        self._default_initializer = FanInUniform(self.fan_in_factor * d * ci)
        self._pairs = masks.free_pairs(self.code_length, self.mask_type)
        self._slabs = masks.triangular_slabs(
            self._pairs, self.code_length, masks.group_bounds(self.code_length, self.groups())
        )
        self._layout = masks.slab_layout(self._slabs, len(self._pairs))
        self.input_spec = keras.layers.InputSpec(ndim=ndim, axes={-2: d, -1: ci})
        return self.kernel_initializer or self._default_initializer

    def groups(self):
        """How many groups of output positions the product is evaluated in."""
        if self.evaluation_groups is not None:
            return int(self.evaluation_groups)
        return max(1, min(8, self.code_length // 8))

    def _build_bias(self):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.code_length, self.channels),
                initializer=self.bias_initializer or self._default_initializer,
            )

    def _add_masked_kernel(self, name, initializer):
        """The free ``ci x channels`` blocks, shape ``(n_pairs, ci, channels)``."""
        return self.add_weight(
            name=name,
            shape=(len(self._pairs), self.input_channels, self.channels),
            initializer=initializer,
        )

    def _masked_matmul(self, x, blocks):
        """``x (..., d*ci) @`` the masked kernel laid out from ``blocks``, skipping the
        all-zero block rows of each group of output positions; ``(..., d*co)``."""
        blocks = ops.cast(blocks, x.dtype)
        if len(self._slabs) == 1:
            return ops.matmul(x, masks.scatter_blocks(blocks, self._pairs, self.code_length))
        return self.slab_matmul(x, self.gather_slabs(blocks))

    def gather_slabs(self, blocks):
        """Each output group's dense kernel slab, ``[(hi*ci, (hi - lo)*co), ...]``, laid out
        from the free ``blocks (n_pairs, ci, co)`` (the zeros the mask forbids included)."""
        return masks.laid_out_slabs(blocks, self._slabs, self._layout)

    def slab_matmul(self, x, slabs):
        """``x (..., d*ci) @`` the masked kernel given by its :meth:`gather_slabs`;
        ``(..., d*co)``."""
        ci = self.input_channels
        outputs = [ops.matmul(leading_columns(x, hi * ci), slab)
                   for (_, hi, _), slab in zip(self._slabs, slabs)]
        return ops.concatenate(outputs, axis=-1)

    def _add_bias(self, y):
        return y if self.bias is None else y + ops.cast(self.bias, y.dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                self.channels_name: self.channels,
                "mask_type": self.mask_type,
                "use_bias": self.use_bias,
                "kernel_initializer": serialize_optional(self.kernel_initializer),
                "bias_initializer": serialize_optional(self.bias_initializer),
            }
        )
        return config


def leading_columns(x, width):
    """``x[..., :width]`` as ``ops.slice``: TensorFlow differentiates a slice with a Pad, but a
    strided slice (what ``x[..., :width]`` becomes) with the slower StridedSliceGrad."""
    shape = ops.shape(x)
    return ops.slice(x, [0] * len(shape), [*shape[:-1], width])
