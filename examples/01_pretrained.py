"""Score images with a pretrained LSA: a zoo name, an ``hf://`` handle or a saved folder.

    python examples/01_pretrained.py mnist-7                       # MNIST sample test images
    python examples/01_pretrained.py runs/demo/model               # the model `make demo` trains
    python examples/01_pretrained.py hf://org/repo photos/ --out scores.csv

With image files or folders after the model, each image is converted to the model's input
size and colour mode and scored; without, a 28x28 grayscale model scores test images of the
MNIST sample that ships with lsa_keras. Prints the model's metadata, then one line per image:
its LLK, REC and NS scores and whether NS is above the model's calibrated threshold.
"""

import argparse
import csv
import os
import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")

NO_MODEL = """\
No model could be loaded from {model!r}:
  {error}

Ways to get one without network:
  - train one on the bundled MNIST sample:   make demo   (then pass runs/demo/model)
  - train one on your own images:            python examples/02_train_on_a_folder.py --help
  - build the MNIST zoo locally:              lsa-keras zoo build mnist --data-dir DIR
With network, a model on the Hugging Face Hub loads as hf://org/repo."""


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model", help="zoo name (mnist-7), hf://org/repo[@revision] or a folder")
    p.add_argument("images", nargs="*", help="image files or folders (default: MNIST sample)")
    p.add_argument("--limit", type=int, default=20,
                   help="MNIST sample images to score when no images are given (default 20)")
    p.add_argument("--out", default=None, help="also write the scores to this CSV file")
    return p.parse_args(argv)


def image_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in sorted(os.walk(path)):
                files += [os.path.join(root, n) for n in sorted(names)
                          if n.lower().endswith(IMAGE_EXTENSIONS)]
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    if not files:
        raise FileNotFoundError(f"no image files in {', '.join(paths)}")
    return files


def read_images(files, image_shape):
    """uint8 ``(n, height, width, channels)`` in the model's size and colour mode."""
    import numpy as np
    from PIL import Image

    height, width, channels = image_shape
    mode = {1: "L", 3: "RGB"}[channels]
    images = []
    for path in files:
        with Image.open(path) as im:
            im = im.convert(mode).resize((width, height), Image.BILINEAR)
            images.append(np.asarray(im, "uint8").reshape(height, width, channels))
    return np.stack(images)


def main(argv=None):
    args = parse(argv)
    choose_tensorflow_settings()  # before TensorFlow loads
    import lsa_keras

    try:
        model = lsa_keras.from_pretrained(args.model)
    except (OSError, ValueError, KeyError) as e:
        print(NO_MODEL.format(model=args.model, error=e), file=sys.stderr)
        return 1

    meta = getattr(model, "pretrained_metadata", None) or {}
    print(f"model: {args.model} ({model.architecture or 'custom'} network, input "
          f"{model.image_shape})")
    for key in ("name", "dataset", "normal_class", "metrics"):
        if key in meta:
            print(f"  {key}: {meta[key]}")
    print(f"  NS threshold: {model.threshold_:.4f} (NS above it = novel)")

    if args.images:
        names = image_files(args.images)
        images = read_images(names, model.image_shape)
    elif tuple(model.image_shape) == (28, 28, 1):
        from lsa_keras.datasets import load_mnist_sample

        sample = load_mnist_sample()
        images = sample["x_test"][:args.limit]
        names = [f"MNIST sample test image {i} (digit {d})"
                 for i, d in enumerate(sample["y_test"][:args.limit])]
    else:
        print(f"This model takes {model.image_shape} images: pass image files or folders.",
              file=sys.stderr)
        return 2

    scores = model.score(images)
    labels = (scores["ns"] > model.threshold_).astype(int)  # = model.predict_label(images)
    rows = [(name, scores["llk"][i], scores["rec"][i], scores["ns"][i], labels[i])
            for i, name in enumerate(names)]
    print(f"\n{'llk':>9} {'rec':>9} {'ns':>7}  label   image")
    for name, llk, rec, ns, label in rows:
        print(f"{llk:9.2f} {rec:9.3f} {ns:7.3f}  {'novel ' if label else 'normal'}  {name}")
    print(f"\n{int(labels.sum())} of {len(labels)} images are novel.")
    if args.out:
        with open(args.out, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["image", "llk", "rec", "ns", "novel"])
            writer.writerows((n, f"{a:.6g}", f"{b:.6g}", f"{c:.6g}", int(d)) for n, a, b, c, d in rows)
        print(f"scores written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
