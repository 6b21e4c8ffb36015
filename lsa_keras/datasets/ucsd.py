"""UCSD Ped2 (and Ped1) in its original on-disk layout.

    UCSDped2/Train/Train001/001.tif ...        training videos (normal only)
    UCSDped2/Test/Test001/001.tif ...          test videos
    UCSDped2/Test/Test001_gt/001.bmp ...       per-frame ground-truth masks (white = anomaly)

Frames are 8-bit grayscale TIFFs (240x360 for Ped2); a frame is anomalous when its mask has
any pixel set.
"""

import os
import re

from lsa_keras.datasets.frames import read_frames

_VIDEO = re.compile(r"^(Train|Test)(\d+)$")


def _ucsd_root(root):
    for candidate in (root, os.path.join(root, "UCSDped2"), os.path.join(root, "UCSD_Anomaly_Dataset.v1p2", "UCSDped2")):
        if os.path.isdir(os.path.join(candidate, "Train")) and os.path.isdir(os.path.join(candidate, "Test")):
            return candidate
    raise FileNotFoundError(
        f"No UCSD dataset in {root!r}: expected Train/TrainNNN/*.tif and Test/TestNNN/*.tif "
        "(with Test/TestNNN_gt/*.bmp masks), directly or under UCSDped2/."
    )


def _videos(folder, kind):
    names = sorted(n for n in os.listdir(folder) if _VIDEO.match(n) and _VIDEO.match(n).group(1) == kind
                   and os.path.isdir(os.path.join(folder, n)))
    if not names:
        raise FileNotFoundError(f"{folder} holds no {kind}NNN video folders.")
    return names


def load_ucsd(root):
    """Load a UCSD Ped dataset.

    Args:
        root: the ``UCSDped2`` folder, or a folder holding it.

    Returns:
        dict with ``train``: list of uint8 videos ``(frames, h, w)``; ``test``: list of uint8
        videos; ``test_masks``: list of bool ``(frames, h, w)`` ground-truth masks;
        ``test_labels``: list of int ``(frames,)`` (1 = anomalous frame); ``test_names``.

    Raises:
        FileNotFoundError: the layout or a test video's ``_gt`` folder is missing.
        ValueError: unreadable frames, or a mask count or size that differs from its video.
    """
    root = _ucsd_root(os.fspath(root))
    train_dir, test_dir = os.path.join(root, "Train"), os.path.join(root, "Test")
    train = [read_frames(os.path.join(train_dir, n), (".tif", ".tiff")) for n in _videos(train_dir, "Train")]
    test, masks, labels, names = [], [], [], _videos(test_dir, "Test")
    for name in names:
        video = read_frames(os.path.join(test_dir, name), (".tif", ".tiff"))
        gt_dir = os.path.join(test_dir, name + "_gt")
        if not os.path.isdir(gt_dir):
            raise FileNotFoundError(
                f"ground truth {gt_dir} is missing for test video {name}; every test video needs "
                "its _gt folder of per-frame .bmp masks."
            )
        mask = read_frames(gt_dir, (".bmp", ".png", ".tif")) > 0
        if mask.shape != video.shape:
            raise ValueError(
                f"{name}: {len(video)} frames of {video.shape[1:]} but {len(mask)} ground-truth "
                f"masks of {mask.shape[1:]}; they must match one to one."
            )
        test.append(video)
        masks.append(mask)
        labels.append(mask.reshape(len(mask), -1).any(axis=1).astype("int32"))
    return {"train": train, "test": test, "test_masks": masks, "test_labels": labels,
            "test_names": names}
