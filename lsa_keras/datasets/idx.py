"""Reader of the IDX format that MNIST ships in (optionally gzip-compressed)."""

import gzip
import os
import zlib

import numpy as np

# Type code of the third magic byte -> numpy dtype (big-endian on disk).
_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """Read an IDX file (``.gz`` or not) into a numpy array of its declared shape.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not IDX, or is truncated or too long.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path} could not be read as {'gzip' if opener is gzip.open else 'a file'}: {e}. "
                         "Download it again.") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise ValueError(f"{path} has a truncated IDX header.")
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path} declares shape {shape} ({expected} bytes) but has {len(data)} bytes: the file "
            "is truncated or corrupt. Download it again."
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
