"""How far TensorFlow's JPEG decoding (which decoded CIFAR-10 until issue 34) and Pillow's (which
decodes every image since) are apart on the offline CIFAR-10 copy.

TensorFlow's ``decode_jpeg`` defaults to the fast integer IDCT; Pillow (libjpeg's default) uses
the accurate one. The script decodes every image of the copy both ways, also with TensorFlow's
``dct_method="INTEGER_ACCURATE"`` to confirm that the IDCT is the whole difference.

    python research/jpeg_decoders.py --data-dir ../shared/datasets \\
        --out research/results/jpeg-decoders
"""

import argparse
import io
import json
import os
import tarfile

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import tensorflow as tf
    from PIL import Image

    archive = os.path.join(args.data_dir, "cifar10-jpeg", "cifar10-jpeg.tar.gz")
    diffs, accurate_equal, n = [], 0, 0
    hist = np.zeros(256, np.int64)
    with tarfile.open(archive) as tar:
        for member in tar:
            if not (member.isfile() and member.name.endswith(".jpg")):
                continue
            data = tar.extractfile(member).read()
            pillow = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(np.int16)
            fast = tf.io.decode_jpeg(data, channels=3).numpy().astype(np.int16)
            accurate = tf.io.decode_jpeg(data, channels=3,
                                         dct_method="INTEGER_ACCURATE").numpy().astype(np.int16)
            d = np.abs(pillow - fast)
            hist += np.bincount(d.ravel(), minlength=256)
            diffs.append((d.max(), d.mean()))
            accurate_equal += int(np.array_equal(pillow, accurate))
            n += 1
    diffs = np.array(diffs)
    pixels = hist.sum()
    result = {
        "data": "CIFAR-10 JPEG copy (../shared/datasets/cifar10-jpeg), train and test, "
                f"{n} images",
        "images": n,
        "pillow_vs_tf_default": {
            "images_that_differ": int((diffs[:, 0] > 0).sum()),
            "max_abs_difference": int(diffs[:, 0].max()),
            "mean_abs_difference_per_channel_value": float(
                (np.arange(256) * hist).sum() / pixels),
            "share_of_values_that_differ": float(1 - hist[0] / pixels),
            "histogram_of_abs_difference": {str(k): int(v) for k, v in enumerate(hist) if v},
        },
        "pillow_equals_tf_integer_accurate": f"{accurate_equal} of {n} images",
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
