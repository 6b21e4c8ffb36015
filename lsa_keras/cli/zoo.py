"""``lsa-keras zoo``: list, download, build and publish the pretrained zoo."""

import json
import os

from lsa_keras.cli import ZOO_DATASETS
from lsa_keras.cli.commands import UsageError
from lsa_keras.datasets.one_class import load_one_class
from lsa_keras.hub import pretrained
from lsa_keras.hub.zoo import zoo_dir
from lsa_keras.models.lsa import lsa_presets


def run(args):
    handler = {"list": list_zoo, "download": download, "build": build,
               "publish": publish}[args.zoo_command]
    return handler(args)


STATUS_NEITHER = "neither built here nor published"


def status(name, entry, local=None):
    """Where zoo name ``name`` is: "built here", "published" (with the pinned commit), both, or
    neither."""
    local = local or zoo_dir()
    where = []
    if os.path.isfile(os.path.join(local, name, pretrained.CONFIG_FILE)):
        where.append("built here")
    if entry.get("revision"):
        where.append(f"published {entry['repo_id']}@{entry['revision'][:8]}")
    return ", ".join(where) or STATUS_NEITHER


def list_zoo(args):
    from lsa_keras.hub import model_card

    local = zoo_dir()
    print(f"{'name':<12} {'class':<11} {'NS':>6} {'LLK':>6} {'REC':>6} {'size':>8}  status")
    warnings = []
    for name in lsa_presets.available_presets():
        e = lsa_presets.preset(name)
        m = e.get("metrics") or {}
        cells = [f"{m[k]:.3f}" if m.get(k) is not None else "-"
                 for k in ("auroc_ns", "auroc_llk", "auroc_rec")]
        size = f"{e['size_bytes'] / 1e6:.1f}MB" if e.get("size_bytes") else "-"
        flag = ""
        if model_card.below_chance(e):
            flag = "  [below chance]"
            warnings.append(f"warning: {name}: " + model_card.below_chance_warning(
                {**e, "dataset": e["dataset"]}))
        print(f"{name:<12} {str(e.get('normal_class_name', '')):<11} {cells[0]:>6} "
              f"{cells[1]:>6} {cells[2]:>6} {size:>8}  {status(name, e, local)}{flag}")
    print("NS, LLK, REC: test AUROC measured when the model was built (0.5 is chance).")
    for line in warnings:
        print(line)
    print(f"local zoo folder: {local}")
    return 0


def download(args):
    e = lsa_presets.preset(args.name)
    if not e.get("revision"):
        raise UsageError(f"{args.name} is not published yet; build it with "
                         f"`lsa-keras zoo build {args.name}`.")
    folder = pretrained.download(e["repo_id"], e["revision"], args.cache_dir)
    pretrained.load_folder(folder, e.get("files") or None)
    print(folder)
    return 0


def _names(args):
    """The zoo names a build or publish command names: ``NAME`` (``mnist-7``), or a dataset
    (``mnist``) with ``--classes`` (default all ten)."""
    target = args.name
    if target in ZOO_DATASETS:
        classes = list(range(10)) if args.classes is None else args.classes
        bad = [c for c in classes if not 0 <= c <= 9]
        if bad:
            raise UsageError(f"classes must be in 0..9, got {bad}.")
        return [f"{target}-{c}" for c in classes]
    if args.classes is not None:
        raise UsageError(f"--classes goes with a dataset ({', '.join(ZOO_DATASETS)}), not with "
                         f"the zoo name {target}.")
    try:
        entry = lsa_presets.preset(target)
    except ValueError as e:
        raise UsageError(str(e)) from e
    if entry["dataset"] not in ZOO_DATASETS:
        raise UsageError(f"{target}'s recipe ({entry['dataset']}) has no dataset to build from.")
    return [target]


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


def shard(names, index, count):
    """Shard ``index`` (0..count-1) of ``count`` of the work list ``names``: the
    ``index``-th of ``count`` contiguous slices, their lengths differing by at most one (empty
    when there are more shards than names)."""
    return names[index * len(names) // count:(index + 1) * len(names) // count]


def build(args):
    from lsa_keras.training import calibrate_and_save, train_one_class
    from lsa_keras.training.one_class import METRICS

    names = _names(args)
    if getattr(args, "shard", None) is not None:
        index, count = args.shard
        everything, names = names, shard(names, *args.shard)
        print(f"== shard {index}/{count}: {', '.join(names) or 'no name'} ({len(names)} of "
              f"{len(everything)})", flush=True)
    if args.epochs is not None and args.epochs <= 0:
        raise UsageError(f"--epochs must be positive, got {args.epochs}.")
    out_dir = zoo_dir(args.zoo_dir)
    for name in names:
        entry = lsa_presets.preset(name)
        dataset, c = entry["dataset"], entry["normal_class"]
        recipe = lsa_presets.recipe(dataset)
        schedule = lsa_presets.recipe_schedule(recipe)
        if args.epochs is not None:
            schedule["epochs"] = args.epochs
        fpr = recipe["calibration"]["fpr"]
        data = load_one_class(dataset, c, args.data_dir)
        folder = os.path.join(out_dir, name)
        meta = {"name": name, "zoo_name": name, "normal_class_name": entry["normal_class_name"]}
        found = _from_results(args.from_results, dataset, c) if args.from_results else None
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
            print(f"== {name}: training with the {dataset} recipe", flush=True)
            _, result = train_one_class(data, None, used, seed=recipe["weight_seed"],
                                        model_dir=folder, calibration_fpr=fpr, metadata=meta)
        size = pretrained.folder_size(folder)
        # The hashes of the folder just built are pinned in the registry: from_pretrained(name)
        # loads the local zoo folder only if its files still match them (no revision: it is
        # not on the Hub until `zoo publish`, which pins the commit with the same hashes).
        files = {n: pretrained.sha256(os.path.join(folder, n)) for n in pretrained.MODEL_FILES}
        lsa_presets.update_preset(name, metrics={k: round(result[k], 4) for k in METRICS},
                                  schedule=used, revision=None, files=files, size_bytes=size)
        print(f"   {folder}: NS {result['auroc_ns']:.4f}, {size / 1e6:.1f} MB", flush=True)
    return 0


def publish(args):
    from lsa_keras.hub.publish import publish as upload

    for name in _names(args):
        fields = upload(name, os.path.join(zoo_dir(args.zoo_dir), name), args.token, args.private)
        entry = lsa_presets.update_preset(name, **fields)  # after every upload: none is lost
        print(f"{name}: {entry['repo_id']}@{fields['revision']}", flush=True)
    return 0
