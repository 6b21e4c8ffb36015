"""ShanghaiTech Campus in its original on-disk layout, and the paper's background removal.

    shanghaitech/training/videos/01_001.avi ...          training videos (normal only), or
    shanghaitech/training/frames/01_001/000.jpg ...      the same videos as extracted frames
    shanghaitech/testing/frames/01_0014/000.jpg ...      test videos as frames
    shanghaitech/testing/test_frame_mask/01_0014.npy     per-frame labels (1 = anomalous)
    shanghaitech/testing/test_pixel_mask/01_0014.npy     per-pixel masks (optional)

The full dataset holds about 317,000 frames of 480x856 RGB, far more than memory, so
:class:`ShanghaiTech` lists the videos and reads one at a time. Reading ``.avi`` files and the
MOG2 background removal need OpenCV (``pip install "lsa-keras[video]"``); frame folders do not.
"""

import os

import numpy as np

from lsa_keras.datasets.frames import _cv2, read_frames, read_video_file

FRAME_SIZE = (256, 512)
_FRAME_EXTENSIONS = (".jpg", ".jpeg", ".png")
_VIDEO_EXTENSIONS = (".avi", ".mp4")


def read_frame_folder(folder, size=None):
    """The ``.jpg``/``.png`` frames of a folder, in name order, as uint8 RGB ``(t, h, w, 3)``."""
    return read_frames(folder, _FRAME_EXTENSIONS, mode="RGB", size=size)


def remove_background(frames, threshold=128, dilations=5):
    """The paper's ShanghaiTech preprocessing: keep the moving foreground, zero the rest.

    OpenCV's MOG2 estimates the background over all of the video's frames; a pixel is
    foreground where the channel-summed absolute difference to it exceeds ``threshold``; that
    mask is dilated ``dilations`` times (3x3) and multiplies the frames.

    Args:
        frames: uint8 RGB ``(t, h, w, 3)`` of one video.

    Returns:
        uint8 ``(t, h, w, 3)``.
    """
    cv2 = _cv2("background removal (MOG2)")
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"expected uint8 RGB frames (t, h, w, 3), got {frames.dtype} "
                         f"{frames.shape}.")
    subtractor = cv2.createBackgroundSubtractorMOG2()
    for frame in frames:
        subtractor.apply(frame)
    background = subtractor.getBackgroundImage().astype("int16")
    kernel = np.ones((3, 3), np.uint8)
    out = np.empty_like(frames)
    for t, frame in enumerate(frames):
        moving = (np.abs(frame.astype("int16") - background).sum(axis=-1) > threshold)
        mask = cv2.dilate(moving.astype(np.uint8), kernel, iterations=dilations)
        out[t] = frame * mask[..., None]
    return out


def _load_npy(path):
    """A numeric array from a ``.npy`` file, or a ValueError naming it (numpy's own errors for a
    damaged file, or an object array it will not unpickle, say neither)."""
    try:
        array = np.asarray(np.load(path, allow_pickle=False))
    except (ValueError, OSError, EOFError) as e:
        raise ValueError(f"{path} is not a readable .npy array ({e}); restore the dataset's "
                         "own copy.") from None
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(f"{path} holds {array.dtype} values, not numbers.")
    return array


def _root(root):
    for candidate in (root, os.path.join(root, "shanghaitech"), os.path.join(root, "ShanghaiTech")):
        if os.path.isdir(os.path.join(candidate, "training")) and os.path.isdir(
                os.path.join(candidate, "testing", "frames")):
            return candidate
    raise FileNotFoundError(
        f"No ShanghaiTech dataset in {root!r}: expected training/videos/*.avi (or "
        "training/frames/<video>/*.jpg), testing/frames/<video>/*.jpg and "
        "testing/test_frame_mask/<video>.npy, directly or under shanghaitech/."
    )


class ShanghaiTech:
    """The videos of a ShanghaiTech folder, read one at a time.

    Args:
        root: the ``shanghaitech`` folder, or a folder holding it.
        size: ``(height, width)`` the frames are resized to, ``(256, 512)`` as in the paper;
            ``None`` keeps 480x856.

    Attributes:
        train_names, test_names: sorted video ids (``"01_001"``, ``"01_0014"``, ...).
    """

    def __init__(self, root, size=FRAME_SIZE):
        self.root = _root(os.fspath(root))
        self.size = None if size is None else tuple(size)
        frames_dir = os.path.join(self.root, "training", "frames")
        videos_dir = os.path.join(self.root, "training", "videos")
        if os.path.isdir(frames_dir) and os.listdir(frames_dir):
            self._train = {n: os.path.join(frames_dir, n) for n in os.listdir(frames_dir)
                           if os.path.isdir(os.path.join(frames_dir, n))}
        elif os.path.isdir(videos_dir):
            self._train = {os.path.splitext(n)[0]: os.path.join(videos_dir, n)
                           for n in os.listdir(videos_dir) if n.lower().endswith(_VIDEO_EXTENSIONS)}
        else:
            self._train = {}
        if not self._train:
            raise FileNotFoundError(f"{self.root}/training holds no videos/*.avi and no "
                                    "frames/<video>/ folders.")
        test_dir = os.path.join(self.root, "testing", "frames")
        self._test = {n: os.path.join(test_dir, n) for n in os.listdir(test_dir)
                      if os.path.isdir(os.path.join(test_dir, n))}
        if not self._test:
            raise FileNotFoundError(f"{test_dir} holds no test video folders.")
        self.train_names, self.test_names = sorted(self._train), sorted(self._test)

    def train_video(self, name):
        """uint8 RGB frames ``(t, h, w, 3)`` of training video ``name``."""
        path = self._train[self._check(name, self._train, "training")]
        return read_frame_folder(path, self.size) if os.path.isdir(path) else read_video_file(path, self.size)

    def test_video(self, name):
        """``(frames, labels, pixel_masks)`` of test video ``name``: uint8 RGB ``(t, h, w, 3)``,
        int ``(t,)`` frame labels (1 = anomalous), and bool ``(t, h, w)`` masks at the frames'
        size, or ``None`` where ``test_pixel_mask`` is absent.

        Raises:
            FileNotFoundError: the video's ``test_frame_mask/<name>.npy`` is missing.
            ValueError: labels or masks that do not match the frames one to one.
        """
        self._check(name, self._test, "test")
        frames = read_frame_folder(self._test[name], self.size)
        testing = os.path.join(self.root, "testing")
        label_path = os.path.join(testing, "test_frame_mask", name + ".npy")
        if not os.path.isfile(label_path):
            raise FileNotFoundError(f"ground truth {label_path} is missing for test video {name}; "
                                    "every test video needs its per-frame label file.")
        labels = _load_npy(label_path).reshape(-1)
        if len(labels) != len(frames) or not np.isin(labels, (0, 1)).all():
            raise ValueError(f"{name}: {len(frames)} frames but {label_path} holds {len(labels)} "
                             "labels (or values other than 0 and 1); they must match one to one.")
        masks = None
        mask_path = os.path.join(testing, "test_pixel_mask", name + ".npy")
        if os.path.isfile(mask_path):
            masks = _load_npy(mask_path) > 0
            if masks.ndim != 3 or len(masks) != len(frames):
                raise ValueError(f"{name}: {len(frames)} frames but pixel masks of shape "
                                 f"{masks.shape} in {mask_path}.")
            if self.size is not None and masks.shape[1:] != self.size:
                from PIL import Image

                h, w = self.size
                masks = np.stack([np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize(
                    (w, h), Image.NEAREST)) > 0 for m in masks])
        return frames, labels.astype("int32"), masks

    @staticmethod
    def _check(name, videos, kind):
        if name not in videos:
            raise ValueError(f"no {kind} video {name!r}; there are {len(videos)}, for example "
                           f"{sorted(videos)[:3]}.")
        return name
