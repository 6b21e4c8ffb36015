"""Supplement §6, Fig. 3: what the LLK weight λ does to one class's reconstructions.

    python research/lambda_reconstructions.py --data-dir ../shared/datasets \\
        --out research/results/lambda-reconstructions

Trains one MNIST class (default 7) under the paper's protocol once per λ (default 0.01, 1 and
100), every other setting equal (``--epochs``, batch, Adam learning rate, weight seed; the
checkpoint of the lowest validation loss), and for each model reports:

- the AUROC of LLK, REC and NS on the whole test set (``lsa_keras.training.one_class``);
- how varied the reconstructions of the class's own test images are: the mean pairwise
  Euclidean distance between the reconstructions of ``--n`` of them (next to the same number
  for the input images), and how many of them are distinct at a tolerance (greedy cover:
  each reconstruction within ``--tolerance`` RMS of an earlier kept one joins it);
- the mean surprisal (LLK, nats) of those images' codes: the entropy the λ term minimises.

A larger λ should give codes of lower entropy and so fewer distinct reconstructions. The
picture ``reconstructions.png`` shows ``--show`` test images of the class (top row) and each
model's reconstructions (one row per λ, in the order given). Runs resume from their
checkpoints under ``OUT/checkpoints/``. Writes ``OUT/results.json`` and ``OUT/results.md``.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pairwise_mean_distance(images):
    """Mean Euclidean distance over all pairs of the rows of ``images (n, ...)``."""
    flat = np.asarray(images, "float64").reshape(len(images), -1)
    sq = (flat ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * flat @ flat.T, 0.0)
    n = len(flat)
    return float(np.sqrt(d2)[np.triu_indices(n, 1)].mean())


def distinct_count(images, tolerance):
    """Greedy count of groups of images within ``tolerance`` root-mean-square distance."""
    flat = np.asarray(images, "float64").reshape(len(images), -1)
    kept = []
    for row in flat:
        if not any(np.sqrt(np.mean((row - k) ** 2)) <= tolerance for k in kept):
            kept.append(row)
    return len(kept)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--normal-class", type=int, default=7)
    p.add_argument("--lams", type=float, nargs="+", default=[0.01, 1.0, 100.0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0, help="weights and batch order")
    p.add_argument("--n", type=int, default=500, help="test images of the class to compare")
    p.add_argument("--tolerance", type=float, default=0.1, help="RMS distance, pixels in [0, 1]")
    p.add_argument("--show", type=int, default=16)
    args = p.parse_args(argv)
    if any(not np.isfinite(lam) or lam < 0 for lam in args.lams):
        p.error(f"every λ must be a finite number >= 0, got {args.lams}")
    start = time.time()

    from keras import ops

    from lsa_keras import scoring

    from lsa_keras.utils import plots
    from lsa_keras.datasets import load_mnist
    from lab.one_class import run_one_class
    from lsa_keras.utils.preprocessing import to_model_input

    data = load_mnist(args.data_dir)
    (_, _), (x_test, y_test) = data
    own = x_test[y_test == args.normal_class]
    pick = np.random.default_rng(args.seed).choice(len(own), min(args.n, len(own)), replace=False)
    images = to_model_input(own[np.sort(pick)])
    rows, results = [images[: args.show]], {}
    for lam in args.lams:
        print(f"== λ {lam}", flush=True)
        result, model = run_one_class(
            "mnist", data, args.normal_class, args.epochs, args.batch_size, args.learning_rate,
            seed=args.seed, lam=lam,
            checkpoint_dir=os.path.join(args.out, "checkpoints", f"lam-{lam:g}"))
        out = model.predict(images, batch_size=256, verbose=0)
        recon = np.clip(ops.convert_to_numpy(out["reconstruction"]), 0.0, 1.0)
        raw = scoring.raw_scores(model, images)
        results[f"{lam:g}"] = {
            **{k: v for k, v in result.items() if k != "trace"},
            "mean_pairwise_distance": pairwise_mean_distance(recon),
            "distinct_reconstructions": distinct_count(recon, args.tolerance),
            "mean_surprisal": float(np.mean(raw["llk"])),
            "mean_rec": float(np.mean(raw["rec"])),
        }
        rows.append(recon[: args.show])
        print(json.dumps(results[f"{lam:g}"]), flush=True)
    os.makedirs(args.out, exist_ok=True)
    plots.image_grid(np.concatenate(rows), os.path.join(args.out, "reconstructions.png"),
                     columns=min(args.show, len(images)))
    reference = {"mean_pairwise_distance": pairwise_mean_distance(images),
                 "distinct_images": distinct_count(images, args.tolerance)}
    out = {"normal_class": args.normal_class, "images_compared": int(len(images)),
           "tolerance_rms": args.tolerance, "inputs": reference, "results": results,
           "schedule": {"epochs": args.epochs, "batch_size": args.batch_size,
                        "learning_rate": args.learning_rate, "optimizer": "Adam",
                        "checkpoint": "lowest validation loss"},
           "seed": args.seed, "data": "MNIST test images of the class (IDX files)",
           "seconds": round(time.time() - start, 1)}
    lines = [f"# λ and the reconstructions of MNIST class {args.normal_class}", "",
             f"{len(images)} test images of the class; distinct = groups within "
             f"{args.tolerance} RMS; inputs: mean pairwise distance "
             f"{reference['mean_pairwise_distance']:.2f}, {reference['distinct_images']} distinct.", "",
             "| λ | mean pairwise distance | distinct | mean surprisal (nats) | mean REC | "
             "AUROC LLK | AUROC REC | AUROC NS | epochs (best) | train s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for lam, r in results.items():
        lines.append(
            f"| {lam} | {r['mean_pairwise_distance']:.2f} | {r['distinct_reconstructions']} | "
            f"{r['mean_surprisal']:.1f} | {r['mean_rec']:.1f} | {r['auroc_llk']:.3f} | "
            f"{r['auroc_rec']:.3f} | {r['auroc_ns']:.3f} | {r['epochs']} ({r['best_epoch']}) | "
            f"{r['seconds']:.0f} |")
    lines += ["", f"Adam lr {args.learning_rate}, batch {args.batch_size}, {args.epochs} epochs, "
              f"weight seed {args.seed}; {out['seconds']:.0f} s for this invocation. Picture: "
              "`reconstructions.png` (top row inputs, then one row per λ in the order above).", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(args.out, out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
