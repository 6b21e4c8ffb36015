import io

import numpy as np
import pytest
from PIL import Image

from lsa_keras.datasets.decoding import decode_image, decode_images


def encode(array, fmt, mode=None):
    image = Image.fromarray(array, mode) if mode else Image.fromarray(array)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def test_lossless_formats_round_trip_in_their_channels():
    rng = np.random.RandomState(0)
    gray = rng.randint(0, 256, (5, 7), dtype=np.uint8)
    rgb = rng.randint(0, 256, (5, 7, 3), dtype=np.uint8)
    for fmt in ("PNG", "BMP", "TIFF"):
        np.testing.assert_array_equal(decode_image(encode(gray, fmt), "g"), gray[..., None])
        np.testing.assert_array_equal(decode_image(encode(rgb, fmt), "c"), rgb)
    # A GIF is palette-based: grey levels survive, and channels=1 reads it as grey.
    np.testing.assert_array_equal(decode_image(encode(gray, "GIF"), "g.gif", channels=1),
                                  gray[..., None])


def test_channels_are_converted_and_alpha_dropped():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 10
    data = encode(rgba, "PNG")
    assert decode_image(data, "a.png").shape == (4, 4, 3)
    gray = decode_image(data, "a.png", channels=1)
    assert gray.shape == (4, 4, 1) and gray.max() == round(255 * 0.299)
    assert decode_image(encode(np.zeros((4, 4), np.uint8), "PNG"), "g.png", channels=3).shape \
        == (4, 4, 3)


def test_sixteen_bit_grayscale_is_scaled_not_clipped():
    levels = (np.arange(12, dtype=np.uint16) * 257 * 20).reshape(3, 4)  # 0, 5140, ... 56540
    out = decode_image(encode(levels, "PNG"), "deep.png")
    np.testing.assert_array_equal(out[..., 0], (np.arange(12) * 20).reshape(3, 4))


def test_resize_and_its_argument_checks():
    image = np.full((10, 20, 3), 90, np.uint8)
    out = decode_image(encode(image, "PNG"), "a.png", image_size=(5, 8))
    assert out.shape == (5, 8, 3) and out.dtype == np.uint8 and (out == 90).all()
    with pytest.raises(ValueError, match="image_size must be"):
        decode_image(encode(image, "PNG"), "a.png", image_size=(0, 3))
    with pytest.raises(ValueError, match="channels must be None, 1 or 3"):
        decode_image(encode(image, "PNG"), "a.png", channels=4)


def test_unreadable_and_mismatched_images_are_named():
    with pytest.raises(ValueError, match="x/broken.jpg is not a readable image"):
        decode_image(b"\xff\xd8 not really a jpeg", "x/broken.jpg")
    small = encode(np.zeros((4, 4), np.uint8), "PNG")
    large = encode(np.zeros((5, 4), np.uint8), "PNG")
    with pytest.raises(ValueError, match=r"a.png is \(4, 4, 1\), b.png is \(5, 4, 1\)"):
        decode_images([small, large], ["a.png", "b.png"])
    assert decode_images([small, large], ["a.png", "b.png"], image_size=(4, 4)).shape \
        == (2, 4, 4, 1)
    with pytest.raises(ValueError, match="No images"):
        decode_images([], [])


def test_truncated_files_are_refused_when_another_library_lets_pillow_load_them(monkeypatch):
    from PIL import ImageFile

    # TensorFlow Datasets turns this process-wide switch on for good when it encodes an image.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    gray = np.random.RandomState(0).randint(0, 256, (16, 16), dtype=np.uint8)
    for fmt in ("JPEG", "PNG", "BMP", "TIFF"):
        data = encode(gray, fmt)
        with pytest.raises(ValueError, match=f"cut.{fmt} is not a readable image"):
            decode_image(data[: len(data) - 40], f"cut.{fmt}")
        assert decode_image(data, f"whole.{fmt}").shape == (16, 16, 1)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as the other library set it
