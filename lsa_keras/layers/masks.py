"""Autoregressive connectivity shared by the masked layers (MFC and MSC).

Both layers connect input code position ``i`` to output position ``j`` with a full
``ci x co`` block when ``i < j`` (mask type "A") or ``i <= j`` (type "B"). Only those blocks
are stored. :func:`scatter_blocks` lays them out as the dense ``(d*ci, d*co)`` matrix of the
straightforward masked matmul, about half of it zeros. :func:`triangular_slabs` instead cuts
the output positions into groups and gives each group the slab of rows it can see, so the
product skips most of the zeros (see ``AutoregressiveLayer._masked_matmul``).
"""

import keras
import numpy as np
from keras import ops

MASK_TYPES = ("A", "B")


def check_mask_type(mask_type):
    if mask_type not in MASK_TYPES:
        raise ValueError(
            f"mask_type must be 'A' (position j sees inputs < j) or 'B' (inputs <= j), "
            f"got {mask_type!r}."
        )
    return mask_type


def free_pairs(d, mask_type):
    """(input position, output position) pairs a layer of this type connects.

    Returns an int array of shape ``(n_pairs, 2)``, ``n_pairs = (d*d -+ d)/2``, ordered by
    input position then output position.
    """
    check_mask_type(mask_type)
    i, j = np.triu_indices(d, k=1 if mask_type == "A" else 0)
    return np.stack([i, j], axis=1).astype("int32")


def num_free_pairs(d, mask_type):
    return (d * d - d) // 2 if check_mask_type(mask_type) == "A" else (d * d + d) // 2


def scatter_blocks(blocks, pairs, d):
    """Dense ``(d*ci, d*co)`` kernel from the free blocks.

    Args:
        blocks: tensor ``(n_pairs, ci, co)``, the stored free weights.
        pairs: int tensor ``(n_pairs, 2)`` from :func:`free_pairs`.
        d: code length.

    Returns:
        Tensor ``(d*ci, d*co)`` whose entry ``[i*ci + c, j*co + o]`` is the weight from input
        position ``i``, channel ``c`` to output position ``j``, channel ``o``.
    """
    ci, co = blocks.shape[1], blocks.shape[2]
    full = ops.scatter(pairs, blocks, (d, d, ci, co))  # (i, j, ci, co)
    return ops.reshape(ops.transpose(full, (0, 2, 1, 3)), (d * ci, d * co))


def group_bounds(d, groups):
    """Split positions ``0..d-1`` into ``groups`` contiguous groups: ``groups + 1`` bounds."""
    groups = max(1, min(int(groups), d))
    return [round(k * d / groups) for k in range(groups + 1)]


def triangular_slabs(pairs, d, bounds):
    """Per output group, the indices of the blocks that fill its kernel slab.

    For the group of output positions ``[lo, hi)``, only input positions ``< hi`` can be
    connected, so its slab has ``hi`` block rows and ``hi - lo`` block columns. Entry
    ``[i, j - lo]`` is the index of block ``(i, j)`` in ``pairs``, or ``len(pairs)`` (a zero
    block appended by the caller) where the mask forbids the connection.

    Returns:
        list of ``(lo, hi, index array (hi, hi - lo))``, one per group.
    """
    pairs = np.asarray(pairs)
    table = np.full((d, d), len(pairs), dtype="int32")
    table[pairs[:, 0], pairs[:, 1]] = np.arange(len(pairs), dtype="int32")
    return [(lo, hi, table[:hi, lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def split_slabs(slabs, n_pairs):
    """Cut each slab of :func:`triangular_slabs` into the block rows above its group, where
    every block is free, and the square of its group's own positions, where the mask forbids
    some blocks.

    Args:
        slabs: the list from :func:`triangular_slabs`.
        n_pairs: the number of free blocks (the index that marks a forbidden block).

    Returns:
        ``(rows, diagonal, squares)``: ``rows[k]``, the ``(lo, g)`` block indices of slab
        ``k``'s free rows (``lo = 0``: none); ``diagonal``, the indices of the free blocks
        that lie in the squares, slab after slab; ``squares``, the squares as
        :func:`triangular_slabs` entries ``(lo, hi, index (g, g))`` whose indices point into
        ``diagonal`` (``len(diagonal)``: a forbidden block).
    """
    rows = [np.asarray(index[:lo]) for lo, _, index in slabs]
    in_squares = np.concatenate([np.asarray(index[lo:]).reshape(-1) for lo, _, index in slabs])
    diagonal = in_squares[in_squares < n_pairs].astype("int32")
    position = np.full(n_pairs + 1, len(diagonal), "int32")
    position[diagonal] = np.arange(len(diagonal), dtype="int32")
    squares = [(lo, hi, position[np.asarray(index[lo:])]) for lo, hi, index in slabs]
    held = np.concatenate([r.reshape(-1) for r in rows] + [diagonal])
    if (held >= n_pairs).any() or np.sort(held).tolist() != list(range(n_pairs)):
        raise ValueError("The slabs' rows and squares must hold every free block exactly once.")
    return rows, diagonal, squares


def gather_slab(padded_blocks, index):
    """Dense ``(hi*ci, g*co)`` slab from ``padded_blocks (n_pairs + 1, ci, co)`` and an index
    array ``(hi, g)`` from :func:`triangular_slabs`."""
    return grid_to_slab(ops.take(padded_blocks, index, axis=0))


def grid_to_slab(grid):
    """A slab's blocks ``(hi, g, ci, co)``, block ``[i, j]`` from input position ``i`` to the
    group's output position ``j``, as the dense matrix ``(hi*ci, g*co)``."""
    hi, g, ci, co = grid.shape
    return ops.reshape(ops.transpose(grid, (0, 2, 1, 3)), (hi * ci, g * co))


def laid_out_slabs(blocks, slabs, layout):
    """The dense matrices of ``slabs`` (:func:`triangular_slabs` entries, each index array
    ``(rows, cols)`` of blocks), laid out from ``blocks (n, ci, co)`` with their
    :func:`slab_layout` ``layout``: ``[(rows*ci, cols*co), ...]``."""
    ci, co = blocks.shape[1], blocks.shape[2]
    laid_out = lay_out_blocks(blocks, *layout)
    out, start = [], 0
    for _, _, index in slabs:
        rows, cols = np.asarray(index).shape
        part = ops.slice(laid_out, [start, 0, 0], [rows * cols, ci, co])
        out.append(grid_to_slab(ops.reshape(part, (rows, cols, ci, co))))
        start += rows * cols
    return out


def slab_layout(slabs, n_pairs):
    """The blocks of all :func:`triangular_slabs`, one after the other: ``(index, inverse)``.

    ``index`` (int array, the slabs' index arrays flattened and concatenated) selects each
    slab entry's block, ``n_pairs`` for a zero block; ``inverse[p]`` is the one place where
    block ``p`` appears (every free block lies in exactly one slab: the one of its output
    position).
    """
    index = np.concatenate([np.asarray(idx).reshape(-1) for _, _, idx in slabs]).astype("int32")
    free = np.nonzero(index < n_pairs)[0]
    if len(free) != n_pairs or set(index[free].tolist()) != set(range(n_pairs)):
        raise ValueError("The slabs must hold every free block exactly once.")
    inverse = np.empty(n_pairs, "int32")
    inverse[index[free]] = free
    return index, inverse


def lay_out_blocks(blocks, index, inverse):
    """``blocks (n_pairs, ci, co)`` taken at ``index`` (``n_pairs``: a zero block), with the
    gradient taken back by ``inverse`` (see :func:`slab_layout`).

    A gather's gradient is a scatter-add, which XLA's CPU backend runs as a serial loop and
    TensorFlow as a segment sum; since every block appears once, gathering the output's
    gradient at ``inverse`` is the same gradient (PyTorch keeps its own).
    """
    n, ci, co = blocks.shape

    def forward(b):
        padded = ops.concatenate([b, ops.zeros((1, ci, co), b.dtype)], 0)
        return ops.take(padded, index, axis=0)

    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        return forward(blocks)
    if backend == "tensorflow":
        # A tensor, not a variable: TensorFlow's custom gradients take variables read inside
        # them for extra inputs.
        blocks = ops.copy(blocks)

    @ops.custom_gradient
    def layout(b):
        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.take(upstream, inverse, axis=0)

        return forward(b), grad

    return layout(blocks)
