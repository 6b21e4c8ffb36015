"""Reproduce the paper's MNIST one-class table (AUROC of LLK, REC and NS per digit).

    python examples/reproduce_mnist.py --classes 8 --data-dir ../shared/datasets --out examples/results/mnist

Each class is trained with the protocol of the spec (seed 30101990, last 10% of the shuffled
training set validates, whole test set scored) and the schedule given on the command line;
the checkpoint is the epoch with the lowest validation loss. Results are merged into
``OUT/results.json`` and ``OUT/results.md`` so classes can be run in separate invocations.
"""

import argparse
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PAPER = {
    "mnist": [0.993, 0.999, 0.959, 0.966, 0.956, 0.964, 0.994, 0.980, 0.953, 0.981],
    "cifar10": [0.735, 0.580, 0.690, 0.542, 0.761, 0.546, 0.751, 0.535, 0.717, 0.548],
}


def parse(argv, dataset, defaults):
    p = argparse.ArgumentParser(description=f"Reproduce the paper's {dataset} one-class table.")
    p.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"))
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    p.add_argument("--learning-rate", type=float, default=defaults["learning_rate"])
    p.add_argument("--schedule", choices=["constant", "cosine"], default=defaults["schedule"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=0,
                   help="also log test AUROC every N epochs (analysis only)")
    args = p.parse_args(argv)
    bad = [c for c in args.classes if not 0 <= c <= 9]
    if bad:
        p.error(f"classes must be in 0..9, got {bad}")
    return args


def write_results(out, dataset, args, class_results, data_note):
    import keras

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "results.json")
    results = {}
    if os.path.isfile(path):
        with open(path) as f:
            results = json.load(f)
    per_class = results.get("classes", {})
    per_class.update({str(c): r for c, r in class_results.items()})
    schedule = {"epochs": args.epochs, "batch_size": args.batch_size,
                "learning_rate": args.learning_rate, "schedule": args.schedule,
                "optimizer": "Adam", "lam": 1.0, "checkpoint": "lowest validation loss"}
    results = {
        "dataset": dataset, "data": data_note, "protocol_seed": 30101990,
        "classes": dict(sorted(per_class.items(), key=lambda kv: int(kv[0]))),
        "schedule": schedule, "weight_seed": args.seed, "backend": keras.backend.backend(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "keras": keras.__version__},
    }
    done = results["classes"]
    if done:
        for key in ("auroc_llk", "auroc_rec", "auroc_ns"):
            results[f"mean_{key}"] = sum(r[key] for r in done.values()) / len(done)
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    lines = [f"# {dataset}: one-class AUROC ({data_note})", "",
             f"Schedule: {schedule}; weight seed {args.seed}; backend {results['backend']}; "
             f"machine {results['machine']['platform']}, {results['machine']['cpus']} CPUs.", "",
             "| class | LLK | REC | NS | paper NS | best epoch | train s |", "|---|---|---|---|---|---|---|"]
    for c, r in done.items():
        lines.append(f"| {c} | {r['auroc_llk']:.3f} | {r['auroc_rec']:.3f} | {r['auroc_ns']:.3f} | "
                     f"{PAPER[dataset][int(c)]:.3f} | {r['best_epoch']} | {r['seconds']:.0f} |")
    if done:
        paper_mean = sum(PAPER[dataset][int(c)] for c in done) / len(done)
        lines.append(f"| mean ({len(done)} classes) | {results['mean_auroc_llk']:.3f} | "
                     f"{results['mean_auroc_rec']:.3f} | {results['mean_auroc_ns']:.3f} | "
                     f"{paper_mean:.3f} | | |")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    args = parse(argv, "mnist", {"epochs": 30, "batch_size": 64, "learning_rate": 1e-3,
                                  "schedule": "cosine"})
    from lsa_keras.datasets import load_mnist
    from lsa_keras.one_class import run_one_class

    data = load_mnist(args.data_dir)
    for c in args.classes:
        print(f"== MNIST class {c}", flush=True)
        result, _ = run_one_class("mnist", data, c, args.epochs, args.batch_size,
                                  args.learning_rate, args.schedule, args.seed, args.eval_every)
        print(json.dumps({k: v for k, v in result.items() if k != "trace"}), flush=True)
        write_results(args.out, "mnist", args, {c: result}, "original MNIST IDX files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
