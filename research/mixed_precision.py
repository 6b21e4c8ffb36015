"""Scoring trained LSA models in bfloat16: speed against float32 and what it does to the AUROC.

    python research/mixed_precision.py --models examples/results/mnist/models \\
        --data-dir ../shared/datasets --out research/results/mixed-precision

For every ``<dataset>-C.keras`` in ``--models`` (the calibrated float32 models the
reproduction scripts save), the whole test set is scored by the model as trained and by its
``with_dtype_policy("mixed_bfloat16")`` copy (same weights, bfloat16 compute, float32 code,
reconstruction and losses), both normalised on the class's validation split as the
reproduction does. Reported per class: AUROC of LLK, REC and NS under each policy, the largest
score differences, and scoring throughput (images/s, median of ``--repeats`` timings that
alternate between the two policies in one process, batch ``--batch``).

Writes ``OUT/results.json`` and ``OUT/results.md``.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

POLICIES = ("float32", "mixed_bfloat16")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", required=True, help="folder with <dataset>-C.keras files")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--classes", type=int, nargs="*", help="default: every model in --models")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    start = time.time()

    import keras

    from lsa_keras import datasets, scoring
    from lsa_keras.datasets import one_class_split
    from lsa_keras.utils.preprocessing import as_model_images

    found = sorted(n for n in os.listdir(args.models) if n.endswith(".keras") and "-" in n)
    if not found:
        p.error(f"no <dataset>-C.keras models in {args.models}")
    loaded, results = {}, {}
    for name in found:
        dataset, c = name[:-len(".keras")].rsplit("-", 1)
        if args.classes and int(c) not in args.classes:
            continue
        if dataset not in loaded:
            loaded[dataset] = {"mnist": datasets.load_mnist,
                               "cifar10": datasets.load_cifar10}[dataset](args.data_dir)
        (x_train, y_train), (x_test, y_test) = loaded[dataset]
        split = one_class_split(x_train, y_train, x_test, y_test, int(c))
        model = keras.saving.load_model(os.path.join(args.models, name))
        models = {"float32": model, "mixed_bfloat16": model.with_dtype_policy("mixed_bfloat16")}
        x_val = as_model_images(split["x_val"], model.image_shape)
        x_eval = as_model_images(split["x_test"], model.image_shape)
        raw, times = {}, {k: [] for k in POLICIES}
        for policy in POLICIES:  # warm-up: builds each scorer
            scoring.raw_scores(models[policy], x_eval[: args.batch], args.batch)
        for _ in range(args.repeats):
            for policy in POLICIES:
                t = time.perf_counter()
                raw[policy] = scoring.raw_scores(models[policy], x_eval, args.batch)
                times[policy].append(round(len(x_eval) / (time.perf_counter() - t), 1))
        per = {}
        for policy in POLICIES:
            stats = scoring.min_max_stats(scoring.raw_scores(models[policy], x_val, args.batch))
            scores = scoring.novelty_scores(raw[policy], stats)
            per[policy] = {"auroc": scoring.auroc(split["novel_test"], scores),
                           "score_images_per_s": statistics.median(times[policy]),
                           "score_runs": times[policy], "scores": scores}
        diff = {k: float(np.max(np.abs(per["float32"]["scores"][k] - per["mixed_bfloat16"]["scores"][k])))
                for k in ("llk", "rec", "ns")}
        for policy in POLICIES:
            del per[policy]["scores"]
        results[f"{dataset}-{c}"] = {**per, "max_abs_score_difference": diff,
                                     "test_images": int(len(x_eval))}
        print(name, json.dumps(results[f"{dataset}-{c}"]), flush=True)

    out = {"results": results, "batch": args.batch, "repeats": args.repeats,
           "backend": keras.backend.backend(), "models": os.path.abspath(args.models),
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
           "seconds": round(time.time() - start, 1)}
    os.makedirs(args.out, exist_ok=True)
    lines = ["# Scoring in float32 and in mixed bfloat16, same weights", "",
             "| model | NS AUROC f32 / bf16 | LLK AUROC f32 / bf16 | REC AUROC f32 / bf16 | "
             "max abs diff LLK / REC / NS | images/s f32 | images/s bf16 | speed-up |",
             "|---|---|---|---|---|---|---|---|"]
    for key, r in results.items():
        a, b = r["float32"]["auroc"], r["mixed_bfloat16"]["auroc"]
        d = r["max_abs_score_difference"]
        f32, b16 = r["float32"]["score_images_per_s"], r["mixed_bfloat16"]["score_images_per_s"]
        lines.append(
            f"| {key} | {a['ns']:.4f} / {b['ns']:.4f} | {a['llk']:.4f} / {b['llk']:.4f} | "
            f"{a['rec']:.4f} / {b['rec']:.4f} | {d['llk']:.3g} / {d['rec']:.3g} / {d['ns']:.3g} | "
            f"{f32} | {b16} | {b16 / f32:.2f}x |")
    lines += ["", f"{out['seconds']:.0f} s in all; {out['backend']} backend, batch {args.batch}, "
              f"throughput medians of {args.repeats} alternating timings; machine "
              f"{out['machine']}.", ""]
    import lab  # noqa: F401  (puts examples/ on sys.path)
    from reproduction import write_report

    write_report(args.out, out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
