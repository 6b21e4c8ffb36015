"""Scores, thresholds and reconstruction-error heatmaps, on the MNIST sample that ships with
lsa_keras (no download).

    python examples/03_thresholds_and_heatmaps.py --out runs/thresholds          # trains a quick model
    python examples/03_thresholds_and_heatmaps.py --model runs/demo/model --out runs/thresholds

Digit ``--normal-class`` (0) is normal, the nine others novel. With ``--model`` (a 28x28
grayscale model: a folder, a zoo name such as ``mnist-0`` or ``hf://org/repo``) it uses that
model; otherwise it trains one for ``--epochs`` on the sample's 500 images of the digit.

1. scores every test image (LLK, REC and NS) and prints the AUROC of each score;
2. calibrates the threshold at several false-positive rates and prints, for each, how many
   normal test images are flagged (false alarms) and how many novel ones (detections);
3. draws ``OUT/ns_histogram.png`` (NS of normal and novel images, the thresholds marked) and
   ``OUT/heatmaps.png``: the most normal and the most novel test images, their
   reconstructions and the per-pixel squared reconstruction error.
"""

import argparse
import os
import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="folder for the pictures")
    p.add_argument("--model", default=None, help="a 28x28x1 model; default: train one")
    p.add_argument("--normal-class", type=int, default=0, help="the normal digit (default 0)")
    p.add_argument("--epochs", type=int, default=10, help="training epochs without --model")
    p.add_argument("--fpr", type=float, nargs="+", default=[0.01, 0.05, 0.1],
                   help="false-positive rates to calibrate at (the last one is kept)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true",
                   help="a tiny network and fewer images, to check that the script runs")
    return p.parse_args(argv)


def error_maps(model, images):
    """Reconstructions and per-pixel squared errors ``(n, h, w)`` of uint8 images."""
    import keras
    import numpy as np

    x = images.astype("float32") / 255.0
    out = model(x, training=False)                     # reconstruction, code, logits
    rec = keras.ops.convert_to_numpy(out["reconstruction"])
    return np.clip(rec, 0, 1), np.square(x - rec).sum(axis=-1)


def main(argv=None):
    args = parse(argv)
    choose_tensorflow_settings()  # before TensorFlow loads
    import keras
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import lsa_keras
    from lsa_keras import scoring
    from lsa_keras.datasets import load_mnist_sample

    data = load_mnist_sample()
    c = args.normal_class
    x_train, x_val = data["x_train"][data["y_train"] == c], data["x_val"][data["y_val"] == c]
    x_test, novel = data["x_test"], (data["y_test"] != c).astype(int)
    if args.smoke:
        x_train, x_test, novel = x_train[:64], x_test[:200], novel[:200]
    os.makedirs(args.out, exist_ok=True)

    if args.model:
        model = lsa_keras.from_pretrained(args.model)
        if tuple(model.image_shape) != (28, 28, 1):
            print(f"{args.model} takes {model.image_shape} images; this example needs a "
                  "28x28x1 (MNIST) model.", file=sys.stderr)
            return 2
    else:
        keras.utils.set_random_seed(args.seed)
        small = dict(code_length=8, bins=10, estimator_units=(4,)) if args.smoke else {}
        model = lsa_keras.LSA.from_architecture("mnist", **small)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(x_train, epochs=args.epochs, batch_size=64, verbose=2)

    # 1. Scores. calibrate() fits the min-max normalisation of LLK and REC on normal
    # validation images; NS needs it. Higher is more novel for all three.
    model.calibrate(x_val, fpr=args.fpr[-1])
    scores = model.score(x_test)
    auroc = scoring.auroc(novel, scores)
    print(f"digit {c} normal: AUROC " + ", ".join(f"{k.upper()} {v:.3f}" for k, v in auroc.items()))

    # 2. Thresholds. Each calibrate() keeps the same statistics and moves the threshold so that
    # a fraction fpr of the validation images lies above it.
    thresholds = {}
    print(f"\n{'fpr':>5} {'threshold':>9}  false alarms (normal test)  detections (novel test)")
    for fpr in args.fpr:
        thresholds[fpr] = model.calibrate(x_val, fpr=fpr)["threshold"]
        labels = scores["ns"] > thresholds[fpr]           # = model.predict_label(x_test)
        alarms, hits = labels[novel == 0].mean(), labels[novel == 1].mean()
        print(f"{fpr:5.2f} {thresholds[fpr]:9.3f}  {alarms:26.1%}  {hits:23.1%}")
    print(f"kept: threshold {model.threshold_:.3f} (fpr {args.fpr[-1]}); "
          f"{int(model.predict_label(x_test[:10]).sum())} of the first 10 test images are novel")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    bins = np.linspace(scores["ns"].min(), scores["ns"].max(), 40)
    ax.hist(scores["ns"][novel == 0], bins, alpha=0.6, label=f"normal (digit {c})")
    ax.hist(scores["ns"][novel == 1], bins, alpha=0.6, label="novel (other digits)")
    for fpr, t in thresholds.items():
        ax.axvline(t, color="k", lw=1, ls="--")
        ax.text(t, ax.get_ylim()[1] * 0.95, f" fpr {fpr}", fontsize=7, va="top")
    ax.set_xlabel("novelty score NS")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "ns_histogram.png"), dpi=100)
    plt.close(fig)

    # 3. Heatmaps: where the reconstruction fails.
    order = np.argsort(scores["ns"])
    picks = np.r_[order[:4], order[-4:]]
    rec, err = error_maps(model, x_test[picks])
    fig, axes = plt.subplots(3, len(picks), figsize=(1.4 * len(picks), 4.4))
    for j, i in enumerate(picks):
        kind = "most normal" if j < 4 else "most novel"
        axes[0, j].imshow(x_test[i, ..., 0], cmap="gray")
        axes[0, j].set_title(f"{kind}\nNS {scores['ns'][i]:.2f}", fontsize=7)
        axes[1, j].imshow(rec[j, ..., 0], cmap="gray", vmin=0, vmax=1)
        axes[2, j].imshow(err[j], cmap="inferno", vmin=0, vmax=err.max())
    for row, name in enumerate(("image", "reconstruction", "squared error")):
        axes[row, 0].set_ylabel(name, fontsize=7)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "heatmaps.png"), dpi=100)
    plt.close(fig)
    print(f"pictures written to {args.out}: ns_histogram.png, heatmaps.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
