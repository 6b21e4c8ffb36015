import os
import shutil

import numpy as np
import pytest

from lsa_keras.datasets.dreyeve import DrEyeVE, read_design, read_subsequences
from lsa_keras.datasets.synthetic_dreyeve import write_synthetic_dreyeve


@pytest.fixture(scope="module")
def frames_layout(tmp_path_factory):
    """Two training (01, 02) and one test (38) sequence of 40 frames as frame folders."""
    return write_synthetic_dreyeve(str(tmp_path_factory.mktemp("dreyeve")), train=2, test=1,
                                   frames=40, size=(45, 80), videos=False)


def test_layout_reads_back_with_the_datasets_split_and_labels(frames_layout):
    data = DrEyeVE(os.path.dirname(frames_layout), size=(32, 64))  # the parent folder works too
    assert data.train_names == ["01", "02"] and data.test_names == ["38"]
    assert data.design["38"]["split"] == "test" and data.design["01"]["landscape"] == "Countryside"
    frames, labels = data.test_video("38")
    assert frames.shape == (40, 32, 64, 1) and frames.dtype == np.uint8
    # Only the acting (k) subsequence is anomalous; the u one that sequence 02 has is not.
    (start, end, kind), = [s for s in data.subsequences["38"] if s[2] == "k"]
    assert labels.tolist() == [0] * start + [1] * (end - start) + [0] * (40 - end)
    u = [s for s in data.subsequences["02"] if s[2] == "u"]
    assert u and data.labels("02", 40)[u[0][0]:u[0][1]].sum() == 0
    # Training draws from the normal stretches only: the frames before and after the event.
    (start, end, _), = [s for s in data.subsequences["01"] if s[2] == "k"]
    segments = data.train_segments("01", min_length=1)
    assert [len(s) for s in segments] == [start, 40 - end]
    assert [len(s) for s in data.train_segments("01", min_length=40)] == []
    # Full size, every other frame, the labels subsampled with the frames.
    half = DrEyeVE(frames_layout, size=None, frame_step=2)
    frames2, labels2 = half.test_video("38")
    assert frames2.shape == (20, 45, 80, 1) and labels2.tolist() == labels[::2].tolist()
    assert DrEyeVE(frames_layout, anomalous=("k", "u")).labels("02", 40)[u[0][0]] == 1


def test_videos_read_as_the_frame_folders(frames_layout, tmp_path):
    pytest.importorskip("cv2")
    root = write_synthetic_dreyeve(str(tmp_path), train=2, test=1, frames=40, size=(45, 80))
    assert os.path.isfile(os.path.join(root, "38", "video_garmin.avi"))
    from_video, labels = DrEyeVE(root, size=(32, 64)).test_video("38")
    from_frames, same = DrEyeVE(frames_layout, size=(32, 64)).test_video("38")
    assert from_video.shape == from_frames.shape and labels.tolist() == same.tolist()
    # MJPG in the video, JPEG in the frames: the same drawing, up to compression.
    diff = np.abs(from_video.astype(int) - from_frames.astype(int))
    assert diff.mean() < 8 and np.corrcoef(from_video.ravel(), from_frames.ravel())[0, 1] > 0.95


def test_bad_layouts_name_what_is_wrong(frames_layout, tmp_path):
    with pytest.raises(FileNotFoundError, match="No DR\\(eye\\)VE dataset"):
        DrEyeVE(str(tmp_path / "nothing"))
    copy = tmp_path / "copy"
    shutil.copytree(frames_layout, copy)
    with pytest.raises(ValueError, match="no test sequence '01'"):
        DrEyeVE(str(copy)).test_video("01")
    # A sequence folder with neither the roof-camera video nor extracted frames.
    shutil.rmtree(copy / "02" / "frames")
    with pytest.raises(FileNotFoundError, match=f"{copy / '02'} holds neither video_garmin.avi"):
        DrEyeVE(str(copy))
    shutil.rmtree(copy / "02")
    shutil.rmtree(copy / "38")
    with pytest.raises(FileNotFoundError, match="holds no test sequence"):
        DrEyeVE(str(copy))
    broken = copy / "01" / "frames" / "000003.jpg"
    broken.write_bytes(b"not a jpeg")
    shutil.copytree(tmp_path / "copy" / "01", copy / "40")
    with pytest.raises(ValueError, match="000003.jpg is not a readable image"):
        DrEyeVE(str(copy)).test_video("40")


def test_a_corrupt_video_names_its_path(tmp_path):
    pytest.importorskip("cv2")
    root = write_synthetic_dreyeve(str(tmp_path), train=1, test=1, frames=16, size=(45, 80))
    video = os.path.join(root, "38", "video_garmin.avi")
    with open(video, "r+b") as f:
        f.truncate(200)
    with pytest.raises(ValueError, match=f"{video} could not be decoded"):
        DrEyeVE(root).test_video("38")


def test_malformed_annotation_files(tmp_path):
    design, subsequences = tmp_path / "design.txt", tmp_path / "subsequences.txt"
    design.write_text("01\tMorning\tSunny\tHighway\tD1\ttrain\n38\tNight\tRainy\n")
    with pytest.raises(ValueError, match="design.txt, line 2"):
        read_design(str(design))
    design.write_text("1\tMorning\tSunny\tHighway\tD1\ttrain\textra\n")
    assert read_design(str(design)) == {"01": {"time_of_day": "Morning", "weather": "Sunny",
                                               "landscape": "Highway", "driver": "D1",
                                               "split": "train"}}
    subsequences.write_text("1\t10\t20\tk\n\n1\t30\t40\tu\n")
    assert read_subsequences(str(subsequences)) == {"01": [(10, 20, "k"), (30, 40, "u")]}
    for bad in ("1\t10\tk\n", "1\t20\t10\tk\n", "1\t10\t20\tx\n"):
        subsequences.write_text(bad)
        with pytest.raises(ValueError, match="subsequences.txt, line 1"):
            read_subsequences(str(subsequences))
    with pytest.raises(ValueError, match="anomalous must name"):
        DrEyeVE(str(tmp_path), anomalous=("z",))


def test_text_files_that_are_not_utf8_are_refused_naming_them(tmp_path):
    """A design file with bytes that are not UTF-8 ended in codecs' UnicodeDecodeError, raised
    outside lsa_keras and naming no file (found by tests/reliability/test_loaders.py)."""
    for reader, name in ((read_design, "dr(eye)ve_design.txt"),
                         (read_subsequences, "subsequences.txt")):
        path = tmp_path / name
        path.write_bytes(b"01 Morning Sunny Countryside D8 train\n\xff\xfe\n")
        with pytest.raises(ValueError, match=r"subsequences.txt|design.txt") as raised:
            reader(str(path))
        assert "is not a UTF-8 text file" in str(raised.value) and raised.type is ValueError
