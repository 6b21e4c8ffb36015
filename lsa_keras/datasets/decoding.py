"""Decoding image files into uint8 arrays: the one place lsa_keras decodes an image.

Every loader (image folders, CIFAR-10, video frames, ``lsa-keras score``) decodes through
Pillow, which reads JPEG, PNG, BMP, GIF and TIFF (UCSD Ped2's frames) alike, in the same way
in an array loader and in a streaming input pipeline.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading

import numpy as np

# The most pixels an image may declare in its header, checked before it is decoded: a file of
# a few hundred bytes can declare 100000 x 100000 pixels, tens of gigabytes once decoded. This
# is 8192 x 8192 (a 24-megapixel photo has 6000 x 4000).
MAX_IMAGE_PIXELS = 2**26
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_STRICT_LOADING = threading.Lock()


@contextlib.contextmanager
def _truncated_images_refused():
    """Pillow refuses truncated files for as long as this lasts.

    ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is one process-wide switch, and other libraries
    turn it on for good (TensorFlow Datasets does when it encodes an image): Pillow then
    fills the missing part of a truncated file with grey and raises nothing. While it is on,
    decoding runs one image at a time with it off, so that a cut file is still an error.
    """
    from PIL import ImageFile

    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        yield
        return
    with _STRICT_LOADING:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def check_image_size(image_size) -> tuple[int, int] | None:
    """``image_size`` as ``(height, width)`` of positive ints, or None.

    Raises:
        ValueError: anything else.
    """
    if image_size is None:
        return None
    size = tuple(image_size) if isinstance(image_size, (tuple, list)) else ()
    if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and v > 0 for v in size):
        raise ValueError(f"image_size must be (height, width), two positive integers, got "
                         f"{image_size!r}.")
    return int(size[0]), int(size[1])


def check_channels(channels) -> int | None:
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels!r}.")
    return channels


def resize(image: np.ndarray, image_size: tuple[int, int] | None) -> np.ndarray:
    """A uint8 image ``(h, w)`` or ``(h, w, c)`` resized to ``image_size`` ``(height, width)``
    (bilinear; Pillow widens the filter when shrinking, so it is antialiased); ``None`` or the
    same size returns it unchanged."""
    if image_size is None or tuple(image.shape[:2]) == tuple(image_size):
        return image
    from PIL import Image

    squeeze = image.ndim == 3 and image.shape[-1] == 1
    source = Image.fromarray(image[..., 0] if squeeze else image)
    out = np.asarray(source.resize((image_size[1], image_size[0]), Image.BILINEAR))
    return out[..., None] if squeeze else out


def _pixels(image, channels):
    """A decoded Pillow image as uint8 ``(h, w, channels)``; ``channels=None`` keeps one channel
    for grayscale files and three (RGB, without alpha) for the rest."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grayscale: scale to 8 bits (Pillow's convert("L") would clip at 255).
        gray = np.asarray(image, dtype=np.float64)
        gray = np.clip(np.round(gray / 257.0), 0, 255).astype(np.uint8)
        if channels == 3:
            return np.repeat(gray[..., None], 3, axis=-1)
        return gray[..., None]
    if channels is None:
        channels = 1 if image.mode in ("1", "L", "LA") else 3
    out = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    return out[..., None] if channels == 1 else out


def decode_image(data: bytes, name: str, channels: int | None = None,
                 image_size: tuple[int, int] | None = None) -> np.ndarray:
    """One encoded image file's bytes -> uint8 ``(height, width, channels)``.

    Args:
        data: the file's bytes (JPEG, PNG, BMP, GIF or TIFF; the first frame of an animation).
        name: its path, for error messages.
        channels: 1 (grayscale) or 3 (RGB) to convert to; ``None`` keeps 1 for grayscale
            files and 3 for colour ones (alpha is dropped).
        image_size: ``(height, width)`` to resize to (bilinear, antialiased); ``None`` keeps
            the file's size.

    Raises:
        ValueError: not a readable image (naming ``name``), or an image that declares more than
            :data:`MAX_IMAGE_PIXELS` pixels (refused before it is decoded).
    """
    from PIL import Image, UnidentifiedImageError

    channels, image_size = check_channels(channels), check_image_size(image_size)
    try:
        with _truncated_images_refused():
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(name, f"{height} x {width}")
                if image.format == "PNG":
                    # Pillow decodes a PNG cut short after its pixel data without complaint:
                    # verify() checks every chunk's CRC, and a whole file ends with the IEND chunk
                    # (always the same 12 bytes, its CRC included).
                    image.verify()
                    if _PNG_END not in bytes(data[-64:]):
                        raise OSError("truncated: no IEND chunk at the end")
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                pixels = _pixels(image, channels)
    except Image.DecompressionBombError as e:
        # Pillow's own, larger limit refuses the file as it opens; its message has the count.
        count = re.search(r"\((\d+) pixels\)", str(e))
        raise _too_many_pixels(name, count.group(1) if count else "more") from e
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as e:
        # Pillow raises OSError for truncated data and SyntaxError for some broken headers.
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"{name} is not a readable image ({first}). Remove or replace it.") \
            from e
    return resize(pixels, image_size)


def _too_many_pixels(name, declared):
    return ValueError(
        f"{name} declares {declared} pixels, more than the {MAX_IMAGE_PIXELS} "
        "(MAX_IMAGE_PIXELS) this package decodes; it is not read. Shrink it, or remove it.")


def decode_images(encoded, names, channels: int | None = None,
                  image_size: tuple[int, int] | None = None) -> np.ndarray:
    """Decode encoded images into one uint8 array ``(n, height, width, channels)``.

    Args:
        encoded: list of encoded image bytes.
        names: their paths, for error messages.
        channels, image_size: as for :func:`decode_image`; with ``None`` all images must
            agree in that respect.

    Raises:
        ValueError: as :func:`decode_image`, no images, or images that differ in shape.
    """
    channels, image_size = check_channels(channels), check_image_size(image_size)
    images = [decode_image(data, name, channels, image_size)
              for data, name in zip(encoded, names)]
    if not images:
        raise ValueError("No images to decode.")
    return stack(images, names)


def stack(images, names) -> np.ndarray:
    """``images`` (uint8 ``(h, w, c)`` each) as one array; a ValueError naming the first image
    whose shape differs, with what to pass to convert them."""
    first = images[0].shape
    for name, image in zip(names, images):
        if image.shape != first:
            raise ValueError(
                f"Images differ in shape ({names[0]} is {first}, {name} is {image.shape}); "
                "pass image_size=(h, w) and/or channels=1|3 to convert them.")
    return np.stack(images)
