"""Property-based tests of the file readers: any valid file reads back exactly; any truncated
or corrupted file is a ValueError that names it (never another exception, never wrong data)."""

import gzip
import io
import tarfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lsa_keras.datasets import load_image_folder, read_idx
from lsa_keras.datasets.decoding import decode_images
from lsa_keras.datasets.image_folder import read_tree
from tests.test_case import write_image

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

idx_arrays = st.sampled_from(sorted(IDX_TYPES)).flatmap(
    lambda code: arrays(IDX_TYPES[code], st.lists(st.integers(1, 5), min_size=1, max_size=3)
                        .map(tuple)).map(lambda a: (code, a)))


def idx_bytes(code, array):
    header = bytes([0, 0, code, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(IDX_TYPES[code]).tobytes()


def write(path, data, compress):
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)
    return str(path)


@SETTINGS
@given(idx_arrays, st.booleans())
def test_idx_round_trip(tmp_path, code_array, compress):
    code, array = code_array
    path = write(tmp_path / ("a.gz" if compress else "a"), idx_bytes(code, array), compress)
    got = read_idx(path)
    assert got.shape == array.shape and got.dtype.isnative
    np.testing.assert_array_equal(got, array)


@SETTINGS
@given(idx_arrays, st.booleans(), st.data())
def test_truncated_idx_is_a_value_error(tmp_path, code_array, compress, data):
    code, array = code_array
    full = idx_bytes(code, array)
    if compress:
        blob = gzip.compress(full)
        cut = data.draw(st.integers(0, len(blob) - 1))
        path = tmp_path / "t.gz"
        path.write_bytes(blob[:cut])
    else:
        cut = data.draw(st.integers(0, len(full) - 1))
        path = tmp_path / "t"
        path.write_bytes(full[:cut])
    with pytest.raises(ValueError, match=str(path)):
        read_idx(str(path))


@SETTINGS
@given(st.binary(max_size=200), st.booleans())
def test_arbitrary_bytes_read_or_raise_value_error(tmp_path, blob, compress):
    path = write(tmp_path / ("r.gz" if compress else "r"), blob, compress)
    try:
        got = read_idx(path)
    except ValueError as e:
        assert path in str(e)
    else:  # only a consistent header gets here, and then the data is exactly the payload
        ndim = blob[3]
        assert got.ndim == ndim and got.nbytes == len(blob) - 4 - 4 * ndim


@SETTINGS
@given(st.binary(max_size=300))
def test_corrupt_gzip_is_a_value_error(tmp_path, noise):
    blob = bytearray(gzip.compress(idx_bytes(0x08, np.arange(60, dtype="u1").reshape(3, 20))))
    # Overwrite the compressed payload (past the 10-byte gzip header) with noise.
    blob[10: 10 + len(noise)] = noise[: max(0, len(blob) - 18)]
    path = tmp_path / "c.gz"
    path.write_bytes(bytes(blob))
    try:
        got = read_idx(str(path))
    except ValueError as e:
        assert str(path) in str(e)
    else:  # the noise happened to leave the file intact
        np.testing.assert_array_equal(got, np.arange(60, dtype="u1").reshape(3, 20))


encodable = st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3])).flatmap(
    lambda s: arrays("u1", s))


def encoded(image, ext):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(
        buf, format={"png": "PNG", "jpg": "JPEG"}[ext], quality=95)
    return buf.getvalue()


@SETTINGS
@given(encodable)
def test_png_round_trip(image):
    got = decode_images([encoded(image, "png")], ["a.png"])
    np.testing.assert_array_equal(got[0], image)


@SETTINGS
@given(encodable, st.sampled_from(["png", "jpg"]), st.data())
def test_truncated_image_is_a_value_error_naming_the_file(image, ext, data):
    blob = encoded(image, ext)
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(ValueError, match=f"cat/7.{ext} is not a readable image"):
        decode_images([blob[:cut]], [f"cat/7.{ext}"])


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_not_an_image(blob):
    try:
        got = decode_images([blob], ["x.png"])
    except ValueError as e:
        assert "x.png" in str(e)
    else:
        assert got.dtype == np.uint8 and got.ndim == 4


def test_a_truncated_file_in_a_folder_names_the_file(tmp_path):
    for i in range(3):
        write_image(str(tmp_path / "dog" / f"{i}.png"), np.full((6, 6, 3), 40 * i, "uint8"))
    path = tmp_path / "dog" / "1.png"
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(ValueError, match="dog/1.png is not a readable image"):
        load_image_folder(str(tmp_path))


@pytest.fixture(scope="module")
def tar_blob(tmp_path_factory):
    root = tmp_path_factory.mktemp("tar")
    for i in range(3):
        write_image(str(root / "tree" / "cat" / f"{i}.png"), np.full((5, 5, 1), i, "uint8"))
    archive = root / "tree.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / "tree", arcname=".")
    return archive.read_bytes()


@SETTINGS
@given(st.integers(0, 10**6))
def test_truncated_tar_archive_is_a_value_error(tmp_path, tar_blob, cut):
    archive = tmp_path / "tree.tar.gz"
    archive.write_bytes(tar_blob)
    complete = read_tree(str(archive))
    archive.write_bytes(tar_blob[: cut % len(tar_blob)])
    try:
        got = read_tree(str(archive))
    except ValueError as e:
        assert "truncated or not a valid tar archive" in str(e)
    else:  # only the gzip trailer or the tar end padding was cut: every file is intact
        assert got == complete
