import os

import numpy as np
import pytest

from lsa_keras.datasets import ImageFiles, load_image_folder, load_one_class, one_class_split
from lsa_keras.training.resumable import EpochOrder
from tests.test_case import image_tree, write_image


def files_and_arrays(root, n=7, size=(6, 5), channels=1):
    arrays = image_tree(root, classes=("",), per_class=n, size=size, channels=channels)
    names = sorted(arrays)
    return ImageFiles([os.path.join(root, n) for n in names], names=names), \
        np.stack([arrays[n] for n in names])


def test_indexing_reads_like_the_array(tmp_path):
    files, x = files_and_arrays(tmp_path)
    assert files.shape == x.shape and len(files) == 7 and files.dtype == np.uint8
    np.testing.assert_array_equal(files[2], x[2])
    np.testing.assert_array_equal(files[-1], x[-1])
    np.testing.assert_array_equal(files[1:6:2], x[1:6:2])
    np.testing.assert_array_equal(files[[4, 0, 4]], x[[4, 0, 4]])
    mask = np.arange(7) % 3 == 0
    np.testing.assert_array_equal(files[mask], x[mask])
    np.testing.assert_array_equal(files.subset([5, 1])[:], x[[5, 1]])
    assert files[[]].shape == (0, *x.shape[1:])
    for bad in (7, -8, [0, 7]):
        with pytest.raises(IndexError):
            files[bad]
    with pytest.raises(IndexError, match="int, a slice or a 1-D array"):
        files[[[0]]]


def test_no_accidental_whole_array(tmp_path):
    files, _ = files_and_arrays(tmp_path)
    with pytest.raises(TypeError, match=r"files\[:\] reads all of them"):
        np.asarray(files)


def test_as_dataset_streams_the_same_images_in_order(tmp_path):
    files, x = files_and_arrays(tmp_path, n=11, channels=3)
    batches = list(files.as_dataset(batch_size=4).as_numpy_iterator())
    assert [len(b) for b in batches] == [4, 4, 3]
    np.testing.assert_array_equal(np.concatenate(batches), x)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        files.as_dataset(batch_size=0)


def test_conversion_and_shape_mismatches(tmp_path):
    write_image(str(tmp_path / "a.png"), np.zeros((8, 8, 3), "uint8"))
    write_image(str(tmp_path / "b.png"), np.full((12, 10, 1), 200, "uint8"))
    paths = [str(tmp_path / "a.png"), str(tmp_path / "b.png")]
    with pytest.raises(ValueError, match=r"b.png is \(12, 10, 1\), the first image .* is "
                                         r"\(8, 8, 3\); pass image_size"):
        ImageFiles(paths)[:]
    converted = ImageFiles(paths, image_size=(4, 4), channels=1)
    assert converted[:].shape == (2, 4, 4, 1) and converted[1].max() == 200


def test_a_corrupt_file_stops_the_stream_naming_it(tmp_path):
    import tensorflow as tf

    files, _ = files_and_arrays(tmp_path, n=6)
    with open(files.paths[4], "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n broken")
    stream = files.as_dataset(batch_size=2).as_numpy_iterator()
    next(stream), next(stream)
    with pytest.raises(tf.errors.OpError, match="0004.png is not a readable image"):
        next(stream)


def test_training_batches_follow_the_same_seeded_order(tmp_path):
    files, x = files_and_arrays(tmp_path, n=9)
    from_files, from_array = EpochOrder(files, 4, seed=3), EpochOrder(x, 4, seed=3)
    for index in range(2 * len(from_array)):  # two epochs
        np.testing.assert_array_equal(from_files[index], from_array[index])


def test_image_folder_streamed_equals_loaded(tmp_path):
    image_tree(tmp_path, classes=("b", "a"), per_class=5, size=(9, 9), channels=3)
    images, labels, names = load_image_folder(tmp_path, image_size=(6, 6), channels=1)
    dataset, s_labels, s_names = load_image_folder(tmp_path, image_size=(6, 6), channels=1,
                                                   as_dataset=True, batch_size=3)
    np.testing.assert_array_equal(np.concatenate(list(dataset.as_numpy_iterator())), images)
    np.testing.assert_array_equal(s_labels, labels)
    assert s_names == names == ["a", "b"]


def test_streaming_needs_a_folder(tmp_path):
    archive = tmp_path / "images.tar"
    archive.write_bytes(b"")
    with pytest.raises(ValueError, match="is an archive; streaming reads a folder"):
        load_image_folder(archive, as_dataset=True)
    with pytest.raises(FileNotFoundError):
        load_image_folder(tmp_path / "missing", as_dataset=True)


def test_lazy_folder_split_is_the_loaded_split(tmp_path):
    image_tree(tmp_path, classes=("0", "1"), per_class=12, size=(28, 28), channels=1)
    loaded = load_one_class("folder", "1", str(tmp_path))
    lazy = load_one_class("folder", "1", str(tmp_path), lazy=True)
    for key in ("x_train", "x_val", "x_test"):
        assert isinstance(lazy[key], ImageFiles)
        np.testing.assert_array_equal(lazy[key][:], loaded[key])
    np.testing.assert_array_equal(lazy["novel_test"], loaded["novel_test"])
    assert lazy["architecture"] == loaded["architecture"] == "mnist"


def test_protocol_split_as_datasets(tmp_path):
    files, x = files_and_arrays(tmp_path, n=30)
    y, y_test = np.arange(30) % 3, np.arange(30) % 2
    arrays = one_class_split(x, y, x[:10], y_test[:10], normal_class=1)
    for source in (x, files):
        split = one_class_split(source, y, source[:10], y_test[:10], normal_class=1,
                                as_dataset=True, batch_size=4)
        for key in ("x_train", "x_val", "x_test"):
            np.testing.assert_array_equal(
                np.concatenate(list(split[key].as_numpy_iterator())), arrays[key])
        np.testing.assert_array_equal(split["novel_test"], arrays["novel_test"])
