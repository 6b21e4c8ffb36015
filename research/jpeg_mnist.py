"""MNIST trained and scored on a JPEG re-encoding of its pixels: what the CIFAR-10 copy's
re-encoding can do to a table.

    python research/jpeg_mnist.py --classes 8 --quality 75 --epochs 20 \\
        --data-dir ../shared/datasets --out research/results/cifar10-gap/mnist-jpeg75-20ep

The project's only offline CIFAR-10 is a JPEG re-encoding (libjpeg quality 75, what Pillow
writes at ``quality=75``), so its table cannot say how far the re-encoding moves the AUROC.
MNIST exists in its original pixels: this script runs ``examples/reproduce_mnist.py``'s flow
(same flags, same protocol and seeds) on every image of the split (training, validation and
test) re-encoded by Pillow at ``--quality`` and decoded again. Compare its results folder with
one of ``examples/reproduce_mnist.py`` run with the same flags.
"""

import io
import sys

import numpy as np

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

choose_tensorflow_settings()  # as the lsa-keras command does


def reencode(images, quality):
    """Each image of ``images`` (uint8 ``(n, h, w, 1 or 3)``) written as a JPEG of ``quality``
    by Pillow (its default 4:2:0 chroma subsampling for colour) and decoded again."""
    from PIL import Image

    out = np.empty_like(images)
    for i, image in enumerate(images):
        pixels = image[..., 0] if image.shape[-1] == 1 else image
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
        decoded = np.asarray(Image.open(buffer))
        out[i] = decoded.reshape(image.shape)
    return out


def jpeg_split(quality):
    """A ``prepare`` hook for ``reproduction.main``: the split with every image re-encoded."""
    def prepare(data):
        data = dict(data)
        for key in ("x_train", "x_val", "x_test"):
            data[key] = reencode(np.asarray(data[key]), quality)
        return data
    return prepare


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--quality", type=int, default=75)
    args, rest = p.parse_known_args(sys.argv[1:] if argv is None else argv)
    if not 1 <= args.quality <= 95:
        raise SystemExit(f"--quality must be in 1..95 (Pillow's useful range), got {args.quality}")
    quality = args.quality
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import main as reproduce

    note = (f"MNIST IDX files re-encoded as JPEG quality {quality} by Pillow and decoded again "
            "(research/jpeg_mnist.py), not the original pixels")
    return reproduce("mnist", rest, prepare=jpeg_split(quality), data_note=note)


if __name__ == "__main__":
    sys.exit(main())
