import os
import shutil

import numpy as np
import pytest

from lsa_keras.datasets.synthetic_ucsd import write_synthetic_ucsd
from lsa_keras.datasets.ucsd import load_ucsd


@pytest.fixture(scope="module")
def ucsd(tmp_path_factory):
    out = tmp_path_factory.mktemp("ucsd")
    write_synthetic_ucsd(str(out), train=2, test=2, frames=24, size=(60, 90), seed=1)
    return out


def test_generated_layout_reads_back(ucsd):
    root = ucsd / "UCSDped2"
    assert sorted(os.listdir(root / "Test")) == ["Test001", "Test001_gt", "Test002", "Test002_gt"]
    assert (root / "Train" / "Train002" / "024.tif").is_file()
    data = load_ucsd(str(ucsd))
    assert len(data["train"]) == 2 and data["train"][0].shape == (24, 60, 90)
    assert data["train"][0].dtype == np.uint8
    for video, mask, labels in zip(data["test"], data["test_masks"], data["test_labels"]):
        assert mask.shape == video.shape and labels.shape == (24,)
        assert 0 < labels.sum() < 24  # some frames, not all, are anomalous
        # The anomaly is drawn where its mask is: darker (fast figure) or brighter (vehicle).
        t = int(np.flatnonzero(labels)[0])
        inside = video[t][mask[t]].astype(float).mean()
        assert abs(inside - video[t][~mask[t]].astype(float).mean()) > 30


def test_same_seed_same_videos(ucsd, tmp_path):
    write_synthetic_ucsd(str(tmp_path), train=2, test=2, frames=24, size=(60, 90), seed=1)
    a, b = load_ucsd(str(ucsd)), load_ucsd(str(tmp_path))
    np.testing.assert_array_equal(a["test"][1], b["test"][1])


def test_missing_ground_truth_and_mismatched_counts(ucsd, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(ucsd, copy)
    os.remove(copy / "UCSDped2" / "Test" / "Test002_gt" / "024.bmp")
    with pytest.raises(ValueError, match="24 frames .* but 23 ground-truth masks"):
        load_ucsd(str(copy))
    shutil.rmtree(copy / "UCSDped2" / "Test" / "Test002_gt")
    with pytest.raises(FileNotFoundError, match="Test002_gt is missing"):
        load_ucsd(str(copy))
    with pytest.raises(FileNotFoundError, match="No UCSD dataset"):
        load_ucsd(str(tmp_path / "nothing"))
    (copy / "UCSDped2" / "Train" / "Train001" / "001.tif").write_bytes(b"not a tiff")
    with pytest.raises(ValueError, match="001.tif is not a readable image"):
        load_ucsd(str(copy))


def test_a_frame_that_is_not_a_regular_file_is_refused_not_waited_on(tmp_path):
    """A FIFO named like a frame blocked read_frames for ever (found by
    tests/reliability/test_loaders.py); a symlink loop gave PIL's error."""
    write_synthetic_ucsd(str(tmp_path), train=1, test=1, frames=3, size=(12, 18), seed=1)
    frame = tmp_path / "UCSDped2" / "Train" / "Train001" / "002.tif"
    frame.unlink()
    os.mkfifo(frame)
    with pytest.raises(ValueError, match="002.tif is not a regular file"):
        load_ucsd(tmp_path)
    frame.unlink()
    frame.symlink_to(frame)
    with pytest.raises(ValueError, match="002.tif cannot be read"):
        load_ucsd(tmp_path)
