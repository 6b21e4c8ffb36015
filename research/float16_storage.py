"""What storing a pretrained folder's weights in float16 changes: folder size and test AUROC.

For each model: save it with ``save_pretrained`` as float32 and as float16
(``weights_dtype="float16"``), measure each folder (``du -sb``), load each back with
``lsa_keras.from_pretrained`` (float16 weights go into float32 variables) and score the test
split of its normal class; report the AUROC of LLK, REC and NS of both and their difference,
the largest change of a score, and whether ``keras.saving.load_model(folder)`` scores the
float32 folder identically to ``from_pretrained``.

Models (each option may be repeated or combined):

- ``--model FOLDER --dataset D --normal-class C``: an already trained folder, e.g. the one
  ``lsa-keras train --dataset mnist-sample --normal-class 0 --epochs 1 --batch-size 64 --out
  /tmp/f-demo`` writes to /tmp/f-demo/model (the ``make demo`` command, 1 epoch);
- ``--train-mnist C [C ...] --epochs E --data-dir DIR``: train MNIST classes briefly with the
  zoo recipe (E epochs) through ``lsa_keras.training.train_one_class``, then measure them.

Usage::

    python research/float16_storage.py --model /tmp/f-demo/model --dataset mnist-sample \\
        --normal-class 0 --train-mnist 0 7 --epochs 1 --data-dir ../shared/datasets/mnist \\
        --out research/results/float16-storage
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

choose_tensorflow_settings()  # as the lsa-keras command does


def du(folder):
    return int(subprocess.run(["du", "-sb", folder], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def measure(model, data, label, work):
    import keras
    import numpy as np

    import lsa_keras
    from lsa_keras import scoring

    x, novel = data["x_test"], data["novel_test"]
    row = {"model": label, "n_test": int(len(x)), "n_novel": int(novel.sum())}
    scores = {}
    for dtype in ("float32", "float16"):
        folder = os.path.join(work, f"{label}-{dtype}")
        start = time.time()
        model.save_pretrained(folder, weights_dtype=dtype)
        row[f"save_seconds_{dtype}"] = round(time.time() - start, 1)
        row[f"du_bytes_{dtype}"] = du(folder)
        row[f"weights_bytes_{dtype}"] = os.path.getsize(os.path.join(folder, "model.weights.h5"))
        loaded = lsa_keras.from_pretrained(folder)
        scores[dtype] = loaded.score(x, verbose=0)
        row[f"auroc_{dtype}"] = {k: round(v, 6) for k, v in
                                 scoring.auroc(novel, scores[dtype]).items()}
        if dtype == "float32":
            via_keras = keras.saving.load_model(folder).score(x, verbose=0)
            row["keras_load_model_identical"] = all(
                np.array_equal(via_keras[k], scores[dtype][k]) for k in ("llk", "rec", "ns"))
    row["auroc_delta_float16_minus_float32"] = {
        k: round(row["auroc_float16"][k] - row["auroc_float32"][k], 6) for k in ("llk", "rec", "ns")}
    row["max_abs_score_change"] = {
        k: float(np.max(np.abs(scores["float16"][k] - scores["float32"][k])))
        for k in ("llk", "rec", "ns")}
    row["labels_changed"] = int(np.sum((scores["float16"]["ns"] > model.threshold_)
                                       != (scores["float32"]["ns"] > model.threshold_)))
    row["size_ratio_float16"] = round(row["du_bytes_float16"] / row["du_bytes_float32"], 4)
    print(json.dumps(row), flush=True)
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=None, help="a trained pretrained folder")
    p.add_argument("--dataset", default="mnist-sample")
    p.add_argument("--normal-class", default="0")
    p.add_argument("--train-mnist", type=int, nargs="*", default=[])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--out", default="research/results/float16-storage")
    args = p.parse_args(argv)

    import keras

    import lsa_keras
    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import lsa_presets
    from lsa_keras.training import train_one_class

    rows = []
    with tempfile.TemporaryDirectory() as work:
        if args.model:
            data = load_one_class(args.dataset, args.normal_class, args.data_dir)
            rows.append(measure(lsa_keras.from_pretrained(args.model), data,
                                f"{args.dataset}-{args.normal_class}", work))
        for c in args.train_mnist:
            data = load_one_class("mnist", c, args.data_dir)
            recipe = lsa_presets.recipe("mnist")
            schedule = {**lsa_presets.recipe_schedule(recipe), "epochs": args.epochs}
            start = time.time()
            model, _ = train_one_class(data, None, schedule, seed=recipe["weight_seed"],
                                       verbose=0)
            print(f"mnist-{c}: trained {args.epochs} epoch(s) in {time.time() - start:.0f} s",
                  flush=True)
            rows.append(measure(model, data, f"mnist-{c}-{args.epochs}ep", work))
    os.makedirs(args.out, exist_ok=True)
    result = {"command": "python " + " ".join([os.path.relpath(__file__)] + (argv or sys.argv[1:])),
              "backend": keras.backend.backend(), "keras": keras.__version__,
              "lsa_keras": lsa_keras.__version__, "models": rows}
    path = os.path.join(args.out, "results.json")
    if os.path.isfile(path):  # a rerun adds its models
        with open(path) as f:
            old = json.load(f)
        names = {r["model"] for r in rows}
        result["models"] = [r for r in old.get("models", []) if r["model"] not in names] + rows
        result["runs"] = old.get("runs", [old.get("command")]) + [result["command"]]
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
