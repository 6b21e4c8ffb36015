"""Autoregressive connectivity shared by the masked layers (MFC and MSC).

Both layers connect input code position ``i`` to output position ``j`` with a full
``ci x co`` block when ``i < j`` (mask type "A") or ``i <= j`` (type "B"). Only those blocks
are stored; :func:`scatter_blocks` lays them out as the dense ``(d*ci, d*co)`` matrix that a
single matmul consumes, with zeros where the mask forbids a connection.
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
