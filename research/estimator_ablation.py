"""Paper Fig. 6(b): a one-layer estimator MFC[100] against the paper's MFC[32,32,32,32,100].

    python research/estimator_ablation.py --data-dir ../shared/datasets \\
        --out research/results/estimator-ablation --classes 4 5 6

Trains each MNIST class under the paper's protocol with both estimators, every other setting
equal (``--epochs``, batch, Adam learning rate, weight seed; the checkpoint of the lowest
validation loss), and reports the AUROC of LLK, REC and NS per class and their means, with the
estimator's parameter count and the training time. The paper's ablation is on CIFAR-10 (NS .625
against .641) and UCSD Ped2 (MSC: .849 against .954). Runs resume from their checkpoints under
``OUT/checkpoints/``; results merge into ``OUT/results.json`` and ``OUT/results.md`` as each
run finishes, so classes may be run in separate invocations.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ESTIMATORS = {"MFC[100]": [], "MFC[32,32,32,32,100]": [32, 32, 32, 32]}
PAPER_NS = {"cifar10": {"MFC[100]": 0.625, "MFC[32,32,32,32,100]": 0.641}}


def write(out, results, meta):
    lines = ["# Estimator ablation on MNIST (paper Fig. 6(b))", "",
             "| class | estimator | estimator params | AUROC LLK | AUROC REC | AUROC NS | "
             "epochs (best) | train s |", "|---|---|---|---|---|---|---|---|"]
    for c in sorted(results, key=int):
        for name, r in results[c].items():
            lines.append(f"| {c} | {name} | {r['estimator_params']} | {r['auroc_llk']:.3f} | "
                         f"{r['auroc_rec']:.3f} | {r['auroc_ns']:.3f} | {r['epochs']} "
                         f"({r['best_epoch']}) | {r['seconds']:.0f} |")
    for name in ESTIMATORS:
        done = [results[c][name] for c in results if name in results[c]]
        if done:
            means = {t: sum(r[f"auroc_{t}"] for r in done) / len(done) for t in ("llk", "rec", "ns")}
            lines.append(f"| mean of {len(done)} | {name} | | {means['llk']:.3f} | "
                         f"{means['rec']:.3f} | {means['ns']:.3f} | | |")
    s = meta["schedule"]
    lines += ["", f"Adam lr {s['learning_rate']}, batch {s['batch_size']}, {s['epochs']} epochs, "
              f"weight seed {meta['seed']}, protocol seed 30101990; {meta['backend']} backend on "
              f"{meta['machine']}. Paper (CIFAR-10 means, NS): MFC[100] 0.625, "
              "MFC[32,32,32,32,100] 0.641.", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(out, {**meta, "results": results}, lines)
    plot(out, results)
    return "\n".join(lines)


def plot(out, results):
    """Paper Fig. 6(b): the AUROC of each estimator per class, a panel per score, as
    ``out/auroc.png``."""
    from lsa_keras.utils import plots

    plots.grouped_bars({score.upper(): {c: {name: r[f"auroc_{score}"] for name, r in results[c].items()}
                                        for c in sorted(results, key=int)}
                        for score in ("llk", "rec", "ns")},
                       os.path.join(out, "auroc.png"), ylabel="AUROC",
                       title="Estimator ablation on MNIST")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir")
    p.add_argument("--out", required=True)
    p.add_argument("--classes", type=int, nargs="+", default=[4, 5, 6])
    p.add_argument("--estimators", nargs="+", default=list(ESTIMATORS), choices=list(ESTIMATORS))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--replot", action="store_true", help="only redraw OUT/auroc.png from OUT/results.json")
    args = p.parse_args(argv)
    if args.replot:
        with open(os.path.join(args.out, "results.json")) as f:
            plot(args.out, json.load(f)["results"])
        return 0
    if not args.data_dir:
        p.error("--data-dir is required unless --replot is given")
    if any(not 0 <= c <= 9 for c in args.classes):
        p.error(f"classes must be in 0..9, got {args.classes}")

    import platform

    import keras

    from lsa_keras.datasets import load_mnist
    from lab.one_class import run_one_class

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    previous = json.load(open(path)) if os.path.isfile(path) else {}
    results = previous.get("results", {})
    meta = {"schedule": {"epochs": args.epochs, "batch_size": args.batch_size,
                         "learning_rate": args.learning_rate, "optimizer": "Adam",
                         "checkpoint": "lowest validation loss"},
            "seed": args.seed, "data": "original MNIST IDX files", "backend": keras.backend.backend(),
            "machine": f"{platform.platform()}, {os.cpu_count()} CPUs"}
    if results and (previous.get("schedule"), previous.get("seed")) != (meta["schedule"], meta["seed"]):
        p.error(f"{path} holds results of another schedule or seed ({previous.get('schedule')}, "
                f"seed {previous.get('seed')}); use another --out to compare schedules.")
    data = load_mnist(args.data_dir)
    for c in args.classes:
        for name in args.estimators:
            start = time.time()
            print(f"== class {c}, {name}", flush=True)
            result, model = run_one_class(
                "mnist", data, c, args.epochs, args.batch_size, args.learning_rate,
                seed=args.seed, estimator_units=ESTIMATORS[name],
                checkpoint_dir=os.path.join(args.out, "checkpoints", f"mnist-{c}-{name}"))
            result = {k: v for k, v in result.items() if k != "trace"}
            result["estimator_params"] = int(model.estimator.count_params())
            result["wall_s_this_invocation"] = round(time.time() - start, 1)
            results.setdefault(str(c), {})[name] = result
            print(json.dumps(result), flush=True)
            print(write(args.out, results, meta), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
