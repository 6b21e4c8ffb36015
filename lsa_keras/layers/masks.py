"""Autoregressive connectivity shared by the masked layers (MFC and MSC).

Both layers connect input code position ``i`` to output position ``j`` with a full
``ci x co`` block when ``i < j`` (mask type "A") or ``i <= j`` (type "B"). Only those blocks
are stored. :func:`scatter_blocks` lays them out as the dense ``(d*ci, d*co)`` matrix of the
straightforward masked matmul, about half of it zeros. :func:`triangular_slabs` instead cuts
the output positions into groups and gives each group the slab of rows it can see, so the
product skips most of the zeros (see ``AutoregressiveLayer._masked_matmul``).
"""

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


def gather_slab(padded_blocks, index):
    """Dense ``(hi*ci, g*co)`` slab from ``padded_blocks (n_pairs + 1, ci, co)`` and an index
    array ``(hi, g)`` from :func:`triangular_slabs`."""
    hi, g = index.shape
    ci, co = padded_blocks.shape[1], padded_blocks.shape[2]
    slab = ops.take(padded_blocks, index, axis=0)  # (hi, g, ci, co)
    return ops.reshape(ops.transpose(slab, (0, 2, 1, 3)), (hi * ci, g * co))
