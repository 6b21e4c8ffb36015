"""MFC: the masked fully connected autoregressive layer (paper Sec. 3.1, Fig. 3)."""

import keras
import numpy as np
from keras import ops

from lsa_keras.layers import masks
from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer, leading_columns


@keras.saving.register_keras_serializable(package="lsa_keras")
class MaskedDense(AutoregressiveLayer):
    """Masked fully connected layer (MFC) over a code of length ``d``.

    Output position ``j`` depends on input positions ``i < j`` (``mask_type="A"``) or
    ``i <= j`` (``"B"``), through all input channels. Only the unmasked weights are stored, so
    ``count_params()`` is ``(d*d + d)/2 * ci * units + d * units`` for type B and
    ``(d*d - d)/2 * ci * units + d * units`` for type A (supplement Sec. 7). With type A,
    output position 0 sees nothing: it is a learned unconditional distribution (its bias).

    The free weights are the ``ci x units`` blocks of the connected position pairs,
    :attr:`kernel` ``(n_pairs, ci, units)``, ordered by input then output position; saved
    files hold them in that form. In memory they are held in the layout the product reads:
    output positions form groups, and each group's rows above it are a dense matrix of their
    own (every block there is free), so only the blocks of the groups' diagonal squares are
    laid out at each call. Read and set them with :attr:`kernel` and :meth:`assign_kernel`.

    Input shape: ``(batch, d, ci)``. Output shape: ``(batch, d, units)``.

    Args:
        units: output channels per code position.
        mask_type: ``"A"`` (strictly earlier positions) or ``"B"`` (earlier and same).
        use_bias: whether to add a bias of shape ``(d, units)``.
        kernel_initializer: initialiser of the free blocks, called once with the shape
            ``(n_pairs, ci, units)``; by default uniform in ``+-1/sqrt(d*ci)``, PyTorch's
            default for the reference's ``nn.Linear(d*ci, d*co)``.
        bias_initializer: likewise for the bias.
    """

    channels_name = "units"

    def __init__(self, units, mask_type="B", use_bias=True, kernel_initializer=None,
                 bias_initializer=None, **kwargs):
        super().__init__(units, mask_type, use_bias, kernel_initializer, bias_initializer,
                         ndim=3, **kwargs)

    @property
    def units(self):
        return self.channels

    def build(self, input_shape):
        initializer = self._build_common(input_shape)
        n_pairs, ci, co = len(self._pairs), self.input_channels, self.units
        self._rows, diagonal, self._squares = masks.split_slabs(self._slabs, n_pairs)
        self._diagonal = diagonal
        self._squares_layout = masks.slab_layout(self._squares, len(diagonal))
        held = np.concatenate([r.reshape(-1) for r in self._rows] + [diagonal])
        self._block_order = np.argsort(held).astype("int32")  # held position of each block
        # One draw of all free blocks, the same values (and random stream) as one variable.
        blocks = initializer(shape=(n_pairs, ci, co), dtype=self.variable_dtype)
        values = self._held_values(blocks)
        self.row_kernels = [
            self.add_weight(name=f"rows{k}", shape=tuple(v.shape), initializer=_value(v))
            for k, v in enumerate(values[:-1]) if v is not None
        ]
        # Type A with one position per group has no free block on the diagonal.
        self.diagonal_kernel = None
        if len(diagonal):
            self.diagonal_kernel = self.add_weight(
                name="diagonal", shape=tuple(values[-1].shape), initializer=_value(values[-1]))
        self._build_bias()

    @property
    def kernel_variables(self):
        """The variables that hold the free blocks: each group's rows, then the diagonal's
        (if any block of the diagonal squares is free)."""
        diagonal = [] if self.diagonal_kernel is None else [self.diagonal_kernel]
        return [*self.row_kernels, *diagonal]

    @property
    def kernel(self):
        """The free blocks ``(n_pairs, ci, units)``, block ``p`` connecting the pair
        ``masks.free_pairs(d, mask_type)[p]`` (a tensor read from the variables)."""
        return self.blocks_from(self.kernel_variables)

    def assign_kernel(self, blocks):
        """Set the free blocks from ``blocks (n_pairs, ci, units)`` (see :attr:`kernel`)."""
        expected = (len(self._pairs), self.input_channels, self.units)
        if tuple(blocks.shape) != expected:
            raise ValueError(f"{self.name}: the free blocks must have shape {expected} "
                             f"(n_pairs, ci, units), got {tuple(blocks.shape)}.")
        values = [v for v in self._held_values(ops.convert_to_tensor(blocks, self.variable_dtype))
                  if v is not None and v.shape[0]]
        for variable, value in zip(self.kernel_variables, values):
            variable.assign(value)

    def blocks_from(self, values):
        """The free blocks ``(n_pairs, ci, units)`` from values of :attr:`kernel_variables`
        (the variables themselves, or e.g. their gradients)."""
        ci, co = self.input_channels, self.units
        parts, k = [], 0
        for rows in self._rows:
            lo, g = rows.shape
            if lo:
                grid = ops.reshape(values[k], (lo, ci, g, co))
                parts.append(ops.reshape(ops.transpose(grid, (0, 2, 1, 3)), (lo * g, ci, co)))
                k += 1
        if self.diagonal_kernel is not None:
            parts.append(values[-1])
        if not parts:  # no free block at all (type A over one position)
            return ops.zeros((0, ci, co), self.variable_dtype)
        return ops.take(ops.concatenate(parts, axis=0), self._block_order, axis=0)

    def _held_values(self, blocks):
        """``[rows of each group (None where it has none)..., diagonal blocks]`` of
        ``blocks (n_pairs, ci, co)``."""
        rows = [masks.gather_slab(blocks, index) if index.shape[0] else None
                for index in self._rows]
        return [*rows, ops.take(blocks, self._diagonal, axis=0)]

    def dense_slabs(self):
        """Each output group's dense kernel slab ``(hi*ci, (hi - lo)*units)``, its rows and
        its square (forbidden blocks as zeros), from the current weights."""
        squares = self._laid_out_squares(self.variable_dtype)
        rows = iter(self.row_kernels)
        return [ops.concatenate([ops.convert_to_tensor(next(rows)), square], axis=0)
                if lo else square for (lo, _, _), square in zip(self._slabs, squares)]

    def _laid_out_squares(self, dtype):
        """Each group's ``(g*ci, g*co)`` square laid out from the diagonal blocks, in
        ``dtype``."""
        ci, co = self.input_channels, self.units
        if self.diagonal_kernel is None:
            return [ops.zeros(((hi - lo) * ci, (hi - lo) * co), dtype) for lo, hi, _ in self._slabs]
        return masks.laid_out_slabs(ops.cast(self.diagonal_kernel, dtype), self._squares,
                                    self._squares_layout)

    def call(self, inputs):
        d, ci = self.code_length, self.input_channels
        x = ops.reshape(inputs, (-1, d * ci))
        squares = None if self.diagonal_kernel is None else self._laid_out_squares(x.dtype)
        rows = iter(self.row_kernels)
        outputs = []
        for k, (lo, hi, _) in enumerate(self._slabs):
            parts = []
            if squares is not None:
                parts.append(ops.matmul(
                    ops.slice(x, [0, lo * ci], [ops.shape(x)[0], (hi - lo) * ci]), squares[k]))
            if lo:
                parts.append(ops.matmul(leading_columns(x, lo * ci), ops.cast(next(rows), x.dtype)))
            if not parts:  # nothing is free for these positions: type A's first one
                parts.append(ops.zeros((ops.shape(x)[0], (hi - lo) * self.units), x.dtype))
            outputs.append(parts[0] if len(parts) == 1 else parts[0] + parts[1])
        y = ops.concatenate(outputs, axis=-1)
        return self._add_bias(ops.reshape(y, (-1, d, self.units)))

    def save_own_variables(self, store):
        # Files hold the free blocks, whatever the in-memory layout.
        store["0"] = ops.convert_to_numpy(self.kernel)
        if self.bias is not None:
            store["1"] = ops.convert_to_numpy(self.bias)

    def load_own_variables(self, store):
        expected = 2 if self.bias is not None else 1
        if len(store.keys()) != expected:
            raise ValueError(
                f"Layer {self.name!r} expects {expected} saved variables (the free blocks"
                f"{' and the bias' if expected == 2 else ''}), but the file holds "
                f"{len(store.keys())}: it was saved from another layer or configuration.")
        self.assign_kernel(np.asarray(store["0"]))
        if self.bias is not None:
            bias = np.asarray(store["1"])
            if bias.shape != tuple(self.bias.shape):
                raise ValueError(f"Layer {self.name!r}: the saved bias has shape {bias.shape}, "
                                 f"expected {tuple(self.bias.shape)}.")
            self.bias.assign(bias)


def _value(tensor):
    """An initialiser that returns ``tensor`` (already drawn)."""
    return lambda shape, dtype=None: ops.cast(tensor, dtype) if dtype else tensor
