"""``lsa-keras zoo``: list, download, build and publish the pretrained zoo."""

import json
import os

from lsa_keras.cli.commands import UsageError
from lsa_keras.datasets.one_class import load_one_class
from lsa_keras.hub import pretrained
from lsa_keras.hub.zoo import zoo_dir
from lsa_keras.models.lsa import lsa_presets


def run(args):
    handler = {"list": list_zoo, "download": download, "build": build,
               "publish": publish}[args.zoo_command]
    return handler(args)


def list_zoo(args):
    local = zoo_dir()
    print(f"{'name':<12} {'class':<11} {'NS':>6} {'LLK':>6} {'REC':>6}  available")
    for name in lsa_presets.available_presets():
        e = lsa_presets.preset(name)
        m = e.get("metrics") or {}
        where = []
        if os.path.isfile(os.path.join(local, name, pretrained.CONFIG_FILE)):
            where.append("local zoo")
        if e.get("revision"):
            where.append(f"hub {e['repo_id']}@{e['revision'][:8]}")
        cells = [f"{m[k]:.3f}" if k in m else "-" for k in ("auroc_ns", "auroc_llk", "auroc_rec")]
        print(f"{name:<12} {str(e.get('normal_class_name', '')):<11} {cells[0]:>6} "
              f"{cells[1]:>6} {cells[2]:>6}  {', '.join(where) or 'not built or published'}")
    print(f"local zoo folder: {local}")
    return 0


def download(args):
    e = lsa_presets.preset(args.name)
    if not e.get("revision"):
        raise UsageError(f"{args.name} is not published yet; build it with "
                         f"`lsa-keras zoo build {e['dataset']} --classes {e['normal_class']}`.")
    folder = pretrained.download(e["repo_id"], e["revision"], args.cache_dir)
    pretrained.load_folder(folder, e.get("files") or None)
    print(folder)
    return 0


def _check_classes(classes):
    bad = [c for c in classes if not 0 <= c <= 9]
    if bad:
        raise UsageError(f"classes must be in 0..9, got {bad}.")


def _from_results(folder, dataset, c):
    """``(model, result, results)`` of class ``c`` saved by a reproduction run, or None.

    The run's model is its ``models/<dataset>-<c>/`` pretrained folder, or the
    ``models/<dataset>-<c>.keras`` file of older runs."""
    import keras

    with open(os.path.join(folder, "results.json")) as f:
        results = json.load(f)
    if results.get("dataset") != dataset:
        raise ValueError(f"{folder} holds {results.get('dataset')} results, not {dataset}.")
    if str(c) not in results["classes"]:
        return None
    path = os.path.join(folder, "models", f"{dataset}-{c}")
    if os.path.isfile(os.path.join(path, pretrained.CONFIG_FILE)):
        model = pretrained.load_folder(path)
    elif os.path.isfile(path + ".keras"):
        model = keras.saving.load_model(path + ".keras")
    else:
        return None
    return model, results["classes"][str(c)], results


def build(args):
    from lsa_keras.training import calibrate_and_save, train_one_class
    from lsa_keras.training.one_class import METRICS

    _check_classes(args.classes)
    if args.epochs is not None and args.epochs <= 0:
        raise UsageError(f"--epochs must be positive, got {args.epochs}.")
    recipe = lsa_presets.recipe(args.dataset)
    schedule = lsa_presets.recipe_schedule(recipe)
    if args.epochs is not None:
        schedule["epochs"] = args.epochs
    out_dir = zoo_dir(args.zoo_dir)
    fpr = recipe["calibration"]["fpr"]
    for c in args.classes:
        name = f"{args.dataset}-{c}"
        entry = lsa_presets.preset(name)
        data = load_one_class(args.dataset, c, args.data_dir)
        folder = os.path.join(out_dir, name)
        meta = {"name": name, "normal_class_name": entry["normal_class_name"]}
        found = _from_results(args.from_results, args.dataset, c) if args.from_results else None
        if found:
            model, result, results = found
            used = results["schedule"]
            print(f"== {name}: saved model of {args.from_results}", flush=True)
            meta.update(schedule=used, weight_seed=results["weight_seed"],
                        best_epoch=result.get("best_epoch"),
                        training_seconds=result.get("seconds"))
            if results.get("machine"):
                meta["machine"] = results["machine"]
            result = calibrate_and_save(model, data, model_dir=folder, calibration_fpr=fpr,
                                        metadata=meta, metrics={k: result[k] for k in METRICS})
        else:
            used = schedule
            print(f"== {name}: training with the {args.dataset} recipe", flush=True)
            _, result = train_one_class(data, None, used, seed=recipe["weight_seed"],
                                        model_dir=folder, calibration_fpr=fpr, metadata=meta)
        lsa_presets.update_preset(name, metrics={k: round(result[k], 4) for k in METRICS},
                                  schedule=used, revision=None, files={})
        print(f"   {folder}: NS {result['auroc_ns']:.4f}", flush=True)
    return 0


def publish(args):
    from lsa_keras.hub.publish import publish as upload

    _check_classes(args.classes)
    for c in args.classes:
        name = f"{args.dataset}-{c}"
        fields = upload(name, os.path.join(zoo_dir(args.zoo_dir), name), args.token, args.private)
        entry = lsa_presets.update_preset(name, **fields)  # after every upload: none is lost
        print(f"{name}: {entry['repo_id']}@{fields['revision']}", flush=True)
    return 0
