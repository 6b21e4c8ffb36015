"""Reader of the IDX format that MNIST ships in (optionally gzip-compressed)."""

import gzip
import math
import os
import zlib

import numpy as np

# Type code of the third magic byte -> numpy dtype (big-endian on disk).
_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# The largest array read_idx reads (MNIST's training images are 47 MB): the declared shape is
# checked against it before the data is read, so a small gzip file that expands to gigabytes,
# or a header declaring them, is refused instead of filling memory.
MAX_BYTES = 2 * 2**30


def read_idx(path, max_bytes=None):
    """Read an IDX file (``.gz`` or not) into a numpy array of its declared shape.

    Args:
        max_bytes: the largest array accepted, by its declared shape; default
            :data:`MAX_BYTES`.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not IDX, is truncated or too long, or declares an array larger
            than ``max_bytes``.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            magic = f.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _DTYPES:
                raise ValueError(f"{path} is not an IDX file (bad magic number {magic!r}).")
            ndim = magic[3]
            dims = f.read(4 * ndim)
            if ndim == 0 or len(dims) < 4 * ndim:
                raise ValueError(f"{path} has a truncated IDX header.")
            shape = tuple(int.from_bytes(dims[4 * k: 4 * k + 4], "big") for k in range(ndim))
            dtype = np.dtype(_DTYPES[magic[2]])
            size = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
            if size > max_bytes:
                raise ValueError(
                    f"{path} declares an array of shape {shape} ({size} bytes), more than the "
                    f"{max_bytes} bytes read_idx reads (lsa_keras.datasets.idx.MAX_BYTES); the "
                    "file is corrupt, or not the data set it claims to be."
                )
            data = f.read(size + 1)  # one byte more tells a too-long file
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path} could not be read as {'gzip' if opener is gzip.open else 'a file'}: {e}. "
                         "Download it again.") from e
    header = 4 + 4 * ndim
    if len(data) != size:
        raise ValueError(
            f"{path} declares shape {shape} ({header + size} bytes) but has "
            f"{header + len(data)}{'+' if len(data) > size else ''} bytes: the file is truncated "
            "or corrupt. Download it again."
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
