"""A video stored as a folder of frame images (UCSD, ShanghaiTech test videos)."""

import os

import numpy as np


def read_frames(folder, extensions, mode="L"):
    """The frames of ``folder`` whose names end in ``extensions``, in name order, as uint8
    ``(t, h, w)`` (``mode="L"``) or ``(t, h, w, 3)`` (``mode="RGB"``).

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: no such frames, an unreadable one, or frames of different sizes.
    """
    from PIL import Image, UnidentifiedImageError

    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{folder} is not a folder of frames.")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(tuple(extensions)))
    if not names:
        raise ValueError(f"{folder} holds no {'/'.join(extensions)} frames.")
    frames = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            with Image.open(path) as image:
                frames.append(np.asarray(image.convert(mode)))
        except (UnidentifiedImageError, OSError) as e:
            raise ValueError(f"{path} is not a readable image ({e}); replace the file.") from e
    shapes = {f.shape for f in frames}
    if len(shapes) != 1:
        raise ValueError(f"the frames in {folder} differ in size: {sorted(shapes)}.")
    return np.stack(frames)
