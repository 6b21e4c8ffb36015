"""Build the pretrained zoo of one dataset into a local zoo folder and record it in the registry.

    python -m lsa_keras.zoo.build --dataset mnist [--classes 0 1 ...] [--zoo-dir DIR]
        [--data-dir DIR] [--from-results examples/results/mnist]

Each class is trained with ``recipes/<dataset>.json`` under the paper's protocol (or, with
``--from-results``, taken from a reproduction run's saved models and measured AUROC, so the
table and the zoo are the same models), calibrated on its validation split and written with
``save_pretrained`` to ``<zoo-dir>/<dataset>-<class>/``. The registry entry gets the measured
AUROC; its pinned revision and file hashes are cleared until ``lsa_keras.zoo.publish`` uploads
these files. Afterwards ``lsa_keras.from_pretrained("mnist-7")`` loads from the zoo folder.
"""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from lsa_keras import zoo  # noqa: E402


def metadata(name, dataset, normal_class, result, schedule, seed, data_note, machine=None):
    from lsa_keras.datasets.protocol import PROTOCOL_SEED, VALIDATION_FRACTION

    entry = zoo.entry(name)
    meta = {
        "name": name, "dataset": dataset, "normal_class": normal_class,
        "normal_class_name": entry.get("normal_class_name", str(normal_class)),
        "metrics": {k: result[k] for k in ("auroc_ns", "auroc_llk", "auroc_rec")},
        "evaluation": "AUROC on the whole test set, the other classes being novel; scores "
                      "min-max normalised on the validation split.",
        "data": data_note,
        "protocol": {"seed": PROTOCOL_SEED, "validation_fraction": VALIDATION_FRACTION,
                     "train": "normal class of the first 90% of the shuffled training set",
                     "validation": "normal class of the last 10%"},
        "schedule": schedule, "weight_seed": seed, "best_epoch": result.get("best_epoch"),
        "training_seconds": result.get("seconds"),
    }
    if machine:
        meta["machine"] = machine
    return meta


def _from_results(folder, dataset, c):
    """The saved model and result of class ``c`` in a reproduction output folder, or None."""
    import keras

    path = os.path.join(folder, "models", f"{dataset}-{c}.keras")
    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    if results.get("dataset") != dataset:
        raise ValueError(f"{folder} holds {results.get('dataset')} results, not {dataset}.")
    if str(c) not in results["classes"] or not os.path.isfile(path):
        return None
    return keras.saving.load_model(path), results["classes"][str(c)], results


def main(argv=None):
    p = argparse.ArgumentParser(description="Build a dataset's pretrained zoo locally.")
    p.add_argument("--dataset", required=True, choices=["mnist", "cifar10"])
    p.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--zoo-dir", default=None, help=f"default: ${zoo.ZOO_DIR_ENV} or ~/.cache/lsa_keras/zoo")
    p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"))
    p.add_argument("--from-results", default=None,
                   help="a reproduce_*.py --out folder whose saved models to use (classes "
                        "missing there are trained)")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe (for trials)")
    args = p.parse_args(argv)
    if any(not 0 <= c <= 9 for c in args.classes):
        p.error("classes must be in 0..9")

    from lsa_keras import datasets, reproduction
    from lsa_keras.one_class import run_one_class

    recipe = zoo.recipe(args.dataset)
    schedule = dict(recipe["schedule"])
    if args.epochs is not None:
        schedule["epochs"] = args.epochs
    out_dir = zoo.zoo_dir(args.zoo_dir)
    data = {"mnist": datasets.load_mnist, "cifar10": datasets.load_cifar10}[args.dataset](args.data_dir)
    models = zoo.load_registry()
    for c in args.classes:
        name = f"{args.dataset}-{c}"
        found = _from_results(args.from_results, args.dataset, c) if args.from_results else None
        if found:
            model, result, results = found
            used, seed, machine = results["schedule"], results["weight_seed"], results.get("machine")
            print(f"== {name}: saved model of {args.from_results}", flush=True)
        else:
            print(f"== {name}: training with recipes/{args.dataset}.json", flush=True)
            result, model = run_one_class(
                args.dataset, data, c, schedule["epochs"], schedule["batch_size"],
                schedule["learning_rate"], schedule["schedule"], recipe["weight_seed"])
            used, seed, machine = schedule, recipe["weight_seed"], None
        (x_train, y_train), (x_test, y_test) = data
        model.calibrate(datasets.one_class_split(x_train, y_train, x_test, y_test, c)["x_val"],
                        fpr=recipe["calibration"]["fpr"])
        folder = os.path.join(out_dir, name)
        model.save_pretrained(folder, metadata(name, args.dataset, c, result, used, seed,
                                               reproduction.DATA_NOTES[args.dataset], machine))
        models[name].update({"metrics": {k: round(result[k], 4) for k in
                                         ("auroc_ns", "auroc_llk", "auroc_rec")},
                             "schedule": used, "revision": None, "files": {}})
        zoo.save_registry(models)
        print(f"   {folder}: NS {result['auroc_ns']:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
