"""Train LSA on a folder of your own images, calibrate it and save it as a pretrained folder.

    # class folders: photos/good/*.png, photos/scratched/*.png, ... ; "good" is normal
    python examples/02_train_on_a_folder.py --data-dir photos --normal-class good --out runs/good
    # a flat folder of normal images only
    python examples/02_train_on_a_folder.py --data-dir normal_photos --out runs/mine
    # no images at hand: generate a small folder (discs are normal, squares novel) and use it
    python examples/02_train_on_a_folder.py --demo --out runs/folder-demo

The normal images are shuffled; the last 10% (at least 2) validate each epoch and calibrate
the scores. The weights of the epoch with the lowest validation loss are kept. With class
folders, the other classes are scored against the normal validation images and the AUROC of
each score is printed. The model is written to ``OUT/model`` (load it with
``lsa_keras.from_pretrained("OUT/model")`` or ``examples/01_pretrained.py OUT/model``).
"""

import argparse
import os
import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data-dir", help="<dir>/<class>/<image> or a flat <dir>/<image>")
    src.add_argument("--demo", action="store_true",
                     help="generate a small folder of images under OUT/images and use it")
    p.add_argument("--normal-class", default=None,
                   help="the class folder that is normal (default: the only class, or 'disc' "
                        "with --demo)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--architecture", choices=["mnist", "cifar10"], default="cifar10",
                   help="mnist: 28x28 grayscale; cifar10: 32x32 colour (default)")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--fpr", type=float, default=0.05,
                   help="false-positive rate of the threshold on normal images (default 0.05)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--demo-images", type=int, default=300, help="images per class with --demo")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny network, to check that the script runs (numbers mean nothing)")
    return p.parse_args(argv)


def write_demo_folder(root, n, seed=0, size=48):
    """``root/disc/*.png`` and ``root/square/*.png``: one bright shape on a noisy background."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for shape in ("disc", "square"):
        os.makedirs(os.path.join(root, shape), exist_ok=True)
        for k in range(n):
            image = rng.normal(40, 12, (size, size, 3))
            r = rng.uniform(size / 6, size / 3.5)
            cy, cx = rng.uniform(r, size - r, 2)
            inside = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r if shape == "disc"
                      else (abs(yy - cy) <= r * 0.85) & (abs(xx - cx) <= r * 0.85))
            image[inside] = rng.uniform(150, 255, 3)
            Image.fromarray(np.clip(image, 0, 255).astype("uint8")).save(
                os.path.join(root, shape, f"{k:04d}.png"))
    return root


def main(argv=None):
    args = parse(argv)
    choose_tensorflow_settings()  # before TensorFlow loads
    import keras
    import numpy as np

    import lsa_keras
    from lsa_keras import scoring
    from lsa_keras.datasets import load_image_folder

    data_dir = args.data_dir
    if args.demo:
        data_dir = write_demo_folder(os.path.join(args.out, "images"), args.demo_images, args.seed)
        args.normal_class = args.normal_class or "disc"
    shape = {"mnist": (28, 28, 1), "cifar10": (32, 32, 3)}[args.architecture]
    images, labels, class_names = load_image_folder(data_dir, image_size=shape[:2],
                                                    channels=shape[2])
    if labels is None:
        normal = images
    else:
        if args.normal_class is None and len(class_names) == 1:
            args.normal_class = class_names[0]
        if args.normal_class not in class_names:
            print(f"--normal-class must be one of {class_names}, got {args.normal_class!r}.",
                  file=sys.stderr)
            return 2
        normal = images[labels == class_names.index(args.normal_class)]
    if len(normal) < 10:
        print(f"{data_dir} has {len(normal)} normal images; train on at least 10 (hundreds "
              "are better).", file=sys.stderr)
        return 2
    order = np.random.default_rng(args.seed).permutation(len(normal))
    n_val = max(2, len(normal) // 10)
    x_train, x_val = normal[order[:-n_val]], normal[order[-n_val:]]
    print(f"{len(x_train)} training and {len(x_val)} validation images of "
          f"{args.normal_class or 'the normal class'}, {shape}")

    keras.utils.set_random_seed(args.seed)
    small = dict(code_length=8, bins=10, estimator_units=(4,)) if args.smoke else {}
    model = lsa_keras.LSA.from_architecture(args.architecture, **small)
    model.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    os.makedirs(args.out, exist_ok=True)
    best = os.path.join(args.out, "best.weights.h5")
    model.fit(x_train, epochs=args.epochs, batch_size=args.batch_size,
              validation_data=(x_val,), verbose=2,
              callbacks=[keras.callbacks.ModelCheckpoint(best, save_best_only=True,
                                                         save_weights_only=True)])
    model.load_weights(best)  # the epoch with the lowest validation loss

    calibration = model.calibrate(x_val, fpr=args.fpr)
    print(f"NS threshold at {args.fpr:.0%} false positives: {calibration['threshold']:.4f}")
    metadata = {"dataset": f"image folder {os.path.abspath(data_dir)}",
                "normal_class": args.normal_class, "architecture": args.architecture,
                "schedule": {"epochs": args.epochs, "batch_size": args.batch_size,
                             "learning_rate": args.learning_rate}}
    if labels is not None and len(class_names) > 1:
        novel_images = images[labels != class_names.index(args.normal_class)]
        x_test = np.concatenate([x_val, novel_images])
        novel = np.r_[np.zeros(len(x_val), int), np.ones(len(novel_images), int)]
        auroc = scoring.auroc(novel, model.score(x_test))
        print("AUROC, normal validation images against the other classes: "
              + ", ".join(f"{k.upper()} {v:.3f}" for k, v in auroc.items()))
        metadata["metrics"] = {f"auroc_{k}": float(v) for k, v in auroc.items()}
    folder = model.save_pretrained(os.path.join(args.out, "model"), metadata=metadata)
    print(f"model written to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
