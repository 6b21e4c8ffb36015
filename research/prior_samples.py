"""Supplement Fig. 1: samples of LSA's autoregressive prior next to those of a VAE.

    python research/prior_samples.py --data-dir ../shared/datasets --out research/results/prior-samples

Trains, on one MNIST class (default 7) under the paper's protocol, an LSA (λ 1) and a VAE with
the same encoder body and decoder (``lsa_keras.models.VAE``: Gaussian posterior, standard
normal prior), with the same budget: ``--epochs``, batch, Adam learning rate, weight seed, the
checkpoint of the lowest validation loss. Then draws ``--n`` samples from each: LSA by
ancestral sampling of its estimator (``lsa_keras.models.lsa.lsa_sampler``), the VAE from its prior.

Pictures: ``samples.png`` (VAE on the left, LSA on the right, one sample per cell). The paper
compares the two with FID, which needs an Inception network this offline machine does not
have; instead the script reports two simple numbers per set, next to the class's real test
images: sharpness (mean absolute 4-neighbour Laplacian of the pixels; blur lowers it) and the
RMS distance from each sample to its nearest training image of the class (how far samples
stray from real digits). ``--lsa-checkpoints`` may point at the ``lam-1`` run of
``lambda_reconstructions.py`` with the same schedule to reuse it. Writes ``OUT/results.json``
and ``OUT/results.md``.
"""

import argparse
import math
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def sharpness(images):
    """Mean absolute 4-neighbour Laplacian of ``images (n, h, w, c)`` in [0, 1]."""
    x = np.asarray(images, "float64")
    lap = (4 * x[:, 1:-1, 1:-1] - x[:, :-2, 1:-1] - x[:, 2:, 1:-1]
           - x[:, 1:-1, :-2] - x[:, 1:-1, 2:])
    return float(np.abs(lap).mean())


def nearest_distance(samples, references, chunk=256):
    """Mean over ``samples`` of the RMS distance to the nearest of ``references``."""
    s = np.asarray(samples, "float64").reshape(len(samples), -1)
    r = np.asarray(references, "float64").reshape(len(references), -1)
    best = np.full(len(s), np.inf)
    for i in range(0, len(r), chunk):
        block = r[i:i + chunk]
        d2 = (s ** 2).sum(1)[:, None] + (block ** 2).sum(1)[None] - 2 * s @ block.T
        best = np.minimum(best, np.maximum(d2, 0).min(1))
    return float(np.sqrt(best / s.shape[1]).mean())


def side_by_side(left, right, columns):
    """Rows of ``columns`` images from ``left``, a blank cell, then ``columns`` from ``right``."""
    rows = math.ceil(max(len(left), len(right)) / columns)
    blank = np.zeros_like(left[:1])
    cells = []
    for r in range(rows):
        for part in (left, right):
            row = list(part[r * columns:(r + 1) * columns])
            cells += row + [blank[0]] * (columns - len(row))
            if part is left:
                cells.append(blank[0])
    return np.stack(cells), 2 * columns + 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--normal-class", type=int, default=7)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0, help="weights, batch order and samples")
    p.add_argument("--n", type=int, default=64, help="samples from each model")
    p.add_argument("--lsa-checkpoints", help="checkpoint folder of the LSA run (reused)")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("--n must be at least 1")
    start = time.time()

    import keras

    from lsa_keras.utils import plots
    from lsa_keras.datasets import load_mnist, one_class_split
    from lab.vae import VAE
    from lab.one_class import run_one_class
    from lsa_keras.utils.preprocessing import to_model_input
    from lsa_keras.training.resumable import train_resumable
    from lsa_keras.models.lsa.lsa_sampler import sample_images

    data = load_mnist(args.data_dir)
    (x_train, y_train), (x_test, y_test) = data
    split = one_class_split(x_train, y_train, x_test, y_test, args.normal_class)
    lsa_dir = args.lsa_checkpoints or os.path.join(args.out, "checkpoints", "lsa")
    print("== LSA", flush=True)
    lsa_result, lsa = run_one_class("mnist", data, args.normal_class, args.epochs,
                                    args.batch_size, args.learning_rate, seed=args.seed,
                                    lam=1.0, checkpoint_dir=lsa_dir)
    print("== VAE", flush=True)
    settings = {"model": "VAE", "architecture": "mnist", "normal_class": args.normal_class,
                "n_train": len(split["x_train"]), "batch_size": args.batch_size,
                "learning_rate": args.learning_rate, "seed": args.seed}
    vae, vae_state = train_resumable(
        lambda: VAE.from_architecture("mnist", seed=args.seed), split["x_train"],
        split["x_val"], os.path.join(args.out, "checkpoints", "vae"), args.epochs,
        args.batch_size, args.learning_rate, settings, seed=args.seed, verbose=2)

    samples = {"VAE": vae.sample(args.n, seed=args.seed),
               "LSA": sample_images(lsa, args.n, seed=args.seed)}
    real_train = to_model_input(split["x_train"])
    real_test = to_model_input(x_test[y_test == args.normal_class][: args.n])
    measures = {name: {"sharpness": sharpness(s), "nearest_train_rms": nearest_distance(s, real_train)}
                for name, s in {**samples, "real test images": real_test}.items()}
    os.makedirs(args.out, exist_ok=True)
    grid, columns = side_by_side(samples["VAE"], samples["LSA"], 8)
    plots.image_grid(grid, os.path.join(args.out, "samples.png"), columns=columns)
    out = {"normal_class": args.normal_class, "n": args.n, "measures": measures,
           "lsa": {"best_epoch": lsa_result["best_epoch"], "epochs": lsa_result["epochs"],
                   "train_s": lsa_result["seconds"], "auroc_ns": lsa_result["auroc_ns"]},
           "vae": {"best_epoch": vae_state.get("best_epoch"), "epochs": vae_state["epoch"],
                   "train_s": vae_state.get("seconds"),
                   "best_val_loss": vae_state.get("best_val_loss")},
           "schedule": {"epochs": args.epochs, "batch_size": args.batch_size,
                        "learning_rate": args.learning_rate, "optimizer": "Adam",
                        "checkpoint": "lowest validation loss"},
           "seed": args.seed, "backend": keras.backend.backend(),
           "seconds": round(time.time() - start, 1)}
    lines = [f"# Samples of LSA's autoregressive prior and of a VAE, MNIST class {args.normal_class}",
             "", "| set | sharpness (mean abs Laplacian) | RMS to nearest training image |",
             "|---|---|---|"]
    for name, m in measures.items():
        lines.append(f"| {name} ({args.n}) | {m['sharpness']:.4f} | {m['nearest_train_rms']:.4f} |")
    lines += ["", f"Both trained {args.epochs} epochs (Adam lr {args.learning_rate}, batch "
              f"{args.batch_size}, weight seed {args.seed}, checkpoint of the lowest validation "
              f"loss: LSA epoch {out['lsa']['best_epoch']}, VAE epoch {out['vae']['best_epoch']}); "
              f"{out['seconds']:.0f} s for this invocation. `samples.png`: VAE left, LSA right.", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(args.out, out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
