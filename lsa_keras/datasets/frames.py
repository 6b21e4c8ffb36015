"""A video stored as a folder of frame images (UCSD, ShanghaiTech, DR(eye)VE) or as a video
file (ShanghaiTech, DR(eye)VE), read into uint8 arrays."""

import os
import stat

import numpy as np

_MODES = ("L", "RGB")


def _check_mode(mode):
    if mode not in _MODES:
        raise ValueError(f"mode must be 'L' (grayscale) or 'RGB', got {mode!r}.")


def _resize_frame(frame, size):
    """One uint8 frame ``(h, w)`` or ``(h, w, 3)`` -> ``size`` (bilinear); ``None`` keeps it."""
    from lsa_keras.datasets.decoding import resize

    return resize(frame, None if size is None else tuple(size))


def read_frames(folder, extensions, mode="L", size=None):
    """The frames of ``folder`` whose names end in ``extensions``, in name order, as uint8
    ``(t, h, w)`` (``mode="L"``) or ``(t, h, w, 3)`` (``mode="RGB"``).

    Args:
        size: ``(height, width)`` each frame is resized to as it is read (bilinear), so a long
            video never sits in memory at its files' size; ``None`` keeps that size.

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: no such frames, an unreadable one, or frames of different sizes.
    """
    from lsa_keras.datasets.decoding import decode_image
    from lsa_keras.datasets.image_folder import read_image_file

    _check_mode(mode)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder} is not a folder of frames.")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(tuple(extensions)))
    if not names:
        raise ValueError(f"{folder} holds no {'/'.join(extensions)} frames.")
    frames, shapes = [], set()
    for name in names:
        path = os.path.join(folder, name)
        try:
            regular = stat.S_ISREG(os.stat(path).st_mode)
        except OSError as e:  # a dangling or looping symlink
            raise ValueError(f"{path} cannot be read ({e.strerror}); replace the file.") from e
        if not regular:  # a FIFO or a device would block the reader, or never end
            raise ValueError(f"{path} is not a regular file; replace it with the frame image.")
        frame = decode_image(read_image_file(path), path, 1 if mode == "L" else 3)
        frame = frame[..., 0] if mode == "L" else frame
        shapes.add(frame.shape)
        frames.append(_resize_frame(frame, size))
    if len(shapes) != 1:
        raise ValueError(f"the frames in {folder} differ in size: {sorted(shapes)}.")
    return np.stack(frames)


def _cv2(what):
    try:
        import cv2
    except ImportError as e:
        raise ImportError(
            f"{what} needs OpenCV: pip install 'lsa-keras[video]' (or opencv-python-headless)."
        ) from e
    return cv2


def read_video_file(path, size=None, mode="RGB"):
    """All frames of a video file as uint8 ``(t, h, w, 3)`` RGB (``mode="RGB"``) or
    ``(t, h, w)`` grayscale (``mode="L"``, OpenCV's BGR-to-gray luma); OpenCV decodes it.

    Args:
        size: ``(height, width)`` each frame is resized to as it is decoded (bilinear);
            ``None`` keeps the file's size.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: no frame could be decoded (a truncated file or a missing codec).
    """
    _check_mode(mode)
    cv2 = _cv2(f"reading {path}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist.")
    conversion = cv2.COLOR_BGR2RGB if mode == "RGB" else cv2.COLOR_BGR2GRAY
    capture = cv2.VideoCapture(path)
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(_resize_frame(cv2.cvtColor(frame, conversion), size))
    finally:
        capture.release()
    if not frames:
        raise ValueError(f"{path} could not be decoded (no frames read); the file may be "
                         "truncated or in a codec this OpenCV build lacks.")
    return np.stack(frames)
