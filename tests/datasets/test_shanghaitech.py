import os
import shutil

import numpy as np
import pytest

from lsa_keras.datasets.shanghaitech import ShanghaiTech, read_video_file, remove_background
from tests.test_case import write_shanghaitech

pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def sht(tmp_path_factory):
    return write_shanghaitech(str(tmp_path_factory.mktemp("sht") / "shanghaitech"))


def test_layout_reads_back_from_videos_and_from_frames(sht, tmp_path):
    data = ShanghaiTech(os.path.dirname(sht), size=(32, 64))  # the parent folder works too
    assert data.train_names == ["01_001", "01_002"] and data.test_names == ["01_0001", "01_0002"]
    train = data.train_video("01_002")
    assert train.shape == (20, 32, 64, 3) and train.dtype == np.uint8
    frames, labels, masks = data.test_video("01_0001")
    assert frames.shape == (20, 32, 64, 3) and labels.tolist() == [0] * 6 + [1] * 7 + [0] * 7
    assert masks.shape == (20, 32, 64) and masks[6].any() and not masks[0].any()
    # The same training video as extracted frames instead of an .avi file.
    frames_root = write_shanghaitech(str(tmp_path / "frames"), n_test=1, avi=False)
    full = ShanghaiTech(frames_root, size=None)
    assert full.train_video("01_001").shape == (20, 48, 86, 3)


def test_background_removal_keeps_what_moves(sht):
    frames = ShanghaiTech(sht, size=None).train_video("01_001")
    kept = remove_background(frames)
    assert kept.shape == frames.shape and kept.dtype == np.uint8
    # The still, textured background is zeroed; the two drifting red squares (and the dilated
    # border around them) survive.
    zeroed = (kept.sum(axis=-1) == 0).mean()
    assert 0.5 < zeroed < 0.99
    red = (frames[..., 0] > 200) & (frames[..., 1] < 80)
    assert (kept[red] == frames[red]).all()
    with pytest.raises(ValueError, match="uint8 RGB"):
        remove_background(frames[..., 0])


def test_missing_and_mismatched_ground_truth(sht, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sht, copy)
    np.save(copy / "testing" / "test_frame_mask" / "01_0002.npy", np.zeros(19, "int64"))
    data = ShanghaiTech(str(copy))
    with pytest.raises(ValueError, match="20 frames but .* holds 19 labels"):
        data.test_video("01_0002")
    os.remove(copy / "testing" / "test_frame_mask" / "01_0001.npy")
    with pytest.raises(FileNotFoundError, match="01_0001.npy is missing"):
        data.test_video("01_0001")
    with pytest.raises(ValueError, match="no test video '01_0009'"):
        data.test_video("01_0009")
    with pytest.raises(FileNotFoundError, match="No ShanghaiTech dataset"):
        ShanghaiTech(str(tmp_path / "nothing"))
    broken = copy / "training" / "videos" / "01_001.avi"
    broken.write_bytes(broken.read_bytes()[:200])
    with pytest.raises(ValueError, match="could not be decoded"):
        read_video_file(str(broken))


def test_damaged_label_and_mask_files_are_refused_naming_them(sht, tmp_path):
    """An object array (numpy: "Object arrays cannot be loaded when allow_pickle=False") or a
    damaged .npy ended in numpy's own errors, naming no file (found by
    tests/reliability/test_loaders.py)."""
    root = tmp_path / "sht"
    shutil.copytree(sht, root)
    labels = root / "testing" / "test_frame_mask" / "01_0001.npy"
    np.save(labels, np.array([{"a": 1}] * 20, dtype=object), allow_pickle=True)
    data = ShanghaiTech(str(root), size=(32, 64))
    with pytest.raises(ValueError, match="01_0001.npy is not a readable .npy array"):
        data.test_video("01_0001")
    labels.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="01_0001.npy is not a readable .npy array"):
        data.test_video("01_0001")
