import io
import os
import tarfile

import numpy as np
import pytest

from lsa_keras.datasets import load_image_folder
from lsa_keras.datasets.image_folder import read_tree
from tests.test_case import image_tree, write_image


def make_tar(folder, path):
    with tarfile.open(path, "w:gz") as tar:
        for name in sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, name), arcname=name)
    return path


def test_class_tree_png_is_lossless_and_labelled(tmp_path):
    arrays = image_tree(tmp_path)
    images, labels, names = load_image_folder(tmp_path)
    assert names == ["cat", "dog"] and images.shape == (6, 8, 8, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(images, np.stack([arrays[k] for k in sorted(arrays)]))


def test_flat_folder_and_tar_archive(tmp_path):
    arrays = image_tree(tmp_path / "flat", classes=("",), channels=1)
    images, labels, names = load_image_folder(tmp_path / "flat")
    assert labels is None and names == [] and images.shape == (3, 8, 8, 1)
    tree = tmp_path / "tree"
    image_tree(tree)
    from_tar = load_image_folder(make_tar(tree, tmp_path / "tree.tar.gz"))
    from_dir = load_image_folder(tree)
    np.testing.assert_array_equal(from_tar[0], from_dir[0])
    np.testing.assert_array_equal(from_tar[1], from_dir[1])
    assert arrays


def test_mixed_sizes_need_image_size_and_channels(tmp_path):
    write_image(str(tmp_path / "a.png"), np.zeros((8, 8, 3), "uint8"))
    write_image(str(tmp_path / "b.png"), np.full((12, 10, 1), 200, "uint8"))
    with pytest.raises(ValueError, match="image_size"):
        load_image_folder(tmp_path)
    images, _, _ = load_image_folder(tmp_path, image_size=(6, 6), channels=1)
    assert images.shape == (2, 6, 6, 1)
    assert images[1].min() == images[1].max() == 200


def test_bad_inputs_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such folder"):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No images"):
        load_image_folder(tmp_path / "empty")
    bad = tmp_path / "bad"
    image_tree(bad, per_class=1)
    (bad / "cat" / "broken.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    with pytest.raises(ValueError, match="broken.jpg is not a readable image"):
        load_image_folder(bad)
    mixed = tmp_path / "mixed"
    image_tree(mixed, per_class=1)
    write_image(str(mixed / "loose.png"), np.zeros((8, 8, 3), "uint8"))
    with pytest.raises(ValueError, match="mixes layouts"):
        load_image_folder(mixed)


def test_truncated_archive(tmp_path):
    tree = tmp_path / "tree"
    image_tree(tree, per_class=20, size=(32, 32))
    path = make_tar(tree, tmp_path / "t.tar.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        read_tree(path)


class _Zeros:
    """A file of ``n`` zero bytes, read in chunks (never whole in memory)."""

    def __init__(self, n):
        self.left = n

    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return bytes(size)


def test_an_archive_member_too_large_is_refused_before_it_is_read(tmp_path):
    """Issue 33: a 7 MB tar.gz holding a 1.5 GB .jpg was read whole into memory. Here a
    0.13 MB archive declares a 130 MiB .jpg (the limit is 128 MiB a file): refused at its
    header, naming it."""
    path = tmp_path / "bomb.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("cat/huge.jpg")
        info.size = 130 * 2**20
        tar.addfile(info, _Zeros(info.size))
    assert path.stat().st_size < 2**20
    with pytest.raises(ValueError, match=r"the member 'cat/huge.jpg' is 130 MiB, more than the "
                                         r"128 MiB .*MAX_FILE_BYTES"):
        load_image_folder(path)


def test_hostile_archive_members_and_folder_entries_are_refused(tmp_path):
    """Members that climb out of the archive, and a FIFO in a folder (which blocked the
    reader for ever), are refused naming them; the total read is bounded too."""
    for name in ("../up.png", "/abs/x.png", "cat/../../x.png"):
        path = tmp_path / "evil.tar"
        with tarfile.open(path, "w") as tar:
            info = tarfile.TarInfo(name)
            data = b"\x89PNG not really"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        with pytest.raises(ValueError, match=r"has an absolute path or '\.\.'"):
            read_tree(path)
    tree = tmp_path / "tree"
    image_tree(tree, per_class=2)
    os.mkfifo(tree / "cat" / "pipe.png")
    with pytest.raises(ValueError, match="pipe.png is not a regular file"):
        read_tree(tree)
    os.remove(tree / "cat" / "pipe.png")
    with pytest.raises(ValueError, match="MAX_TOTAL_BYTES"):
        read_tree(tree, max_total_bytes=300)


def test_a_bad_image_size_is_refused_by_name(tmp_path):
    """image_size=(0, 4) ended in TensorFlow's InvalidArgumentError from the resize op (found by
    tests/reliability/test_loaders.py)."""
    image_tree(tmp_path, per_class=1)
    for bad in [(0, 4), (3, -1), (4,), "4x4", (4.5, 4), (True, 4)]:
        with pytest.raises(ValueError, match="image_size must be \\(height, width\\), two positive"):
            load_image_folder(tmp_path, image_size=bad)


def _png_declaring(height, width):
    """A valid 1x1 PNG whose header says ``height`` x ``width`` (a decompression bomb's header:
    a few bytes on disk, gigabytes once decoded)."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("height, width", [(100_000, 100_000), (1, 2**27)])
def test_an_image_declaring_too_many_pixels_is_refused_before_it_is_decoded(tmp_path, height,
                                                                               width):
    (tmp_path / "bomb.png").write_bytes(_png_declaring(height, width))
    # Past Pillow's own limit the message gives the pixel count its header check reports.
    declared = f"({height} x {width}|{height * width})"
    with pytest.raises(ValueError, match=f"bomb.png declares {declared} pixels"):
        load_image_folder(str(tmp_path))
