"""What each ``lsa-keras`` subcommand does (argument parsing lives in ``__init__``)."""

import csv
import json
import os
import sys
import time

import numpy as np

from lsa_keras.cli.data import UsageError, one_class_data

__all__ = ["UsageError", "run"]


def run(args):
    handler = {"train": train, "evaluate": evaluate, "score": score, "sample": sample,
               "zoo": zoo_command}[args.command]
    return handler(args)


def _positive(name, value):
    if value is not None and value <= 0:
        raise UsageError(f"{name} must be positive, got {value}.")


def load_model(source):
    """A model from a folder, a zoo name or an hf:// handle, with one-line errors."""
    import lsa_keras

    if os.path.exists(source) and not os.path.isdir(source):
        raise UsageError(f"{source} is a file; MODEL must be a model folder (save_pretrained), "
                         "a zoo name or hf://org/repo.")
    looks_like_path = os.sep in source or source.startswith(".")
    if looks_like_path and not os.path.exists(source):
        raise UsageError(f"model folder {source} does not exist.")
    return lsa_keras.from_pretrained(source)


def train(args):
    import keras

    from lsa_keras import LSA, zoo
    from lsa_keras.one_class import run_learning_rate
    from lsa_keras.resumable import train_resumable

    for flag in ("epochs", "batch_size", "learning_rate"):
        _positive("--" + flag.replace("_", "-"), getattr(args, flag))
    shape = None
    if args.dataset == "folder":
        from lsa_keras.cli.data import ARCHITECTURE_SHAPES

        shape = ARCHITECTURE_SHAPES[args.architecture or "mnist"]
    elif args.architecture:
        raise UsageError("--architecture applies to --dataset folder only.")
    data = one_class_data(args.dataset, args.normal_class, args.data_dir, shape)
    architecture = data["architecture"]
    recipe = zoo.recipe("cifar10" if architecture == "cifar10" else "mnist")
    schedule = dict(recipe["schedule"])
    for key, value in (("epochs", args.epochs), ("batch_size", args.batch_size),
                       ("learning_rate", args.learning_rate), ("schedule", args.schedule)):
        if value is not None:
            schedule[key] = value
    settings = {"dataset": args.dataset, "normal_class": args.normal_class,
                "data_dir": os.path.abspath(args.data_dir) if args.data_dir else None,
                "architecture": architecture, "seed": args.seed, **schedule}
    learning_rate, pinned = run_learning_rate(schedule["schedule"], schedule["learning_rate"],
                                              schedule["epochs"], len(data["x_train"]),
                                              schedule["batch_size"])
    settings.update(pinned)
    x, x_val = data["x_train"], data["x_val"]  # uint8; converted once by train_resumable
    rate = {"constant": "constant", "cosine": "cosine-decayed to 1% over the epochs"}
    print(f"lsa-keras train: {args.dataset} ({data['note']}), normal class {args.normal_class}: "
          f"{len(x)} training / {len(x_val)} validation images; {schedule['epochs']} epochs, batch "
          f"{schedule['batch_size']}, Adam lr {schedule['learning_rate']} "
          f"({rate[schedule['schedule']]}); backend {keras.backend.backend()}; checkpoints in "
          f"{args.out}", flush=True)
    start = time.time()
    model, state = train_resumable(
        lambda: LSA.from_architecture(architecture), x, x_val, args.out, schedule["epochs"],
        schedule["batch_size"], learning_rate, settings, seed=args.seed)
    model.calibrate(x_val)
    metadata = {"name": os.path.basename(os.path.abspath(args.out)), "dataset": args.dataset,
                "normal_class": args.normal_class, "data": data["note"], "schedule": schedule,
                "weight_seed": args.seed, "best_epoch": state.get("best_epoch"),
                "checkpoint": "lowest validation loss"}
    if data["x_test"] is not None:
        result = model.score(data["x_test"])
        from lsa_keras import scoring

        auroc = scoring.auroc(data["novel_test"], result)
        metadata["metrics"] = {f"auroc_{k}": round(v, 4) for k, v in auroc.items()}
        metadata["evaluation"] = "AUROC on the test images, the other classes being novel."
        print("test AUROC  LLK {llk:.3f}  REC {rec:.3f}  NS {ns:.3f}".format(**auroc))
    folder = os.path.join(args.out, "model")
    model.save_pretrained(folder, metadata)
    print(f"model written to {folder} ({time.time() - start:.0f} s this session)")
    return 0


def evaluate(args):
    from lsa_keras import plots, scoring

    model = load_model(args.model)
    data = one_class_data(args.dataset, args.normal_class, args.data_dir, model.image_shape)
    if data["x_test"] is None:
        raise UsageError("evaluation needs labelled images: a dataset, or a folder with one "
                         "subfolder per class.")
    if tuple(data["x_test"].shape[1:]) != tuple(model.image_shape):
        raise UsageError(f"the model takes images {model.image_shape}, the dataset has "
                         f"{data['x_test'].shape[1:]}.")
    scores = model.score(data["x_test"])
    auroc = scoring.auroc(data["novel_test"], scores)
    os.makedirs(args.out, exist_ok=True)
    plots.roc_curves(data["novel_test"], scores, os.path.join(args.out, "roc.png"),
                     title=f"{args.dataset}, normal class {args.normal_class}")
    threshold = float(np.asarray(model.threshold))
    plots.score_histogram(scores["ns"], data["novel_test"], os.path.join(args.out, "ns_histogram.png"),
                          threshold=threshold, title="NS, normal vs novel test images")
    report = {"model": args.model, "dataset": args.dataset, "normal_class": args.normal_class,
              "data": data["note"], "n_test": int(len(data["novel_test"])),
              "n_novel": int(data["novel_test"].sum()), "auroc": auroc}
    with open(os.path.join(args.out, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(f"{report['n_test']} test images ({report['n_novel']} novel)")
    print("| score | AUROC |\n|---|---|")
    for k in ("llk", "rec", "ns"):
        print(f"| {k.upper()} | {auroc[k]:.4f} |")
    print(f"wrote {args.out}/roc.png, ns_histogram.png, evaluation.json")
    return 0


def _image_paths(paths):
    from lsa_keras.datasets.image_folder import IMAGE_EXTENSIONS

    found = []
    for path in paths:
        if os.path.isdir(path):
            for folder, dirs, names in os.walk(path):
                dirs.sort()
                found += [os.path.join(folder, n) for n in sorted(names)
                          if n.lower().endswith(IMAGE_EXTENSIONS)]
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise UsageError(f"{path} does not exist.")
    if not found:
        raise UsageError(f"no images in {' '.join(paths)}.")
    return found


def score(args):
    from keras import ops

    from lsa_keras import plots
    from lsa_keras.datasets.image_folder import decode_images
    from lsa_keras.preprocessing import to_model_input

    model = load_model(args.model)
    paths = _image_paths(args.paths)
    encoded = []
    for path in paths:
        with open(path, "rb") as f:
            encoded.append(f.read())
    h, w, c = model.image_shape
    images = decode_images(encoded, paths, channels=c, image_size=(h, w))
    result = model.score(images)
    novel = (result["ns"] > model.threshold_).astype("int32")
    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")
    try:
        writer = csv.writer(out)
        writer.writerow(["path", "llk", "rec", "ns", "novel"])
        for i, path in enumerate(paths):
            writer.writerow([path, f"{result['llk'][i]:.6g}", f"{result['rec'][i]:.6g}",
                             f"{result['ns'][i]:.6g}", int(novel[i])])
    finally:
        if out is not sys.stdout:
            out.close()
    if args.heatmaps:
        os.makedirs(args.heatmaps, exist_ok=True)
        x = to_model_input(images)
        for start in range(0, len(x), 256):
            batch = x[start:start + 256]
            rec = ops.convert_to_numpy(model.decoder(model.encoder(batch, training=False),
                                                     training=False))
            errors = np.square(batch - rec).sum(axis=-1)
            for j, (image, error) in enumerate(zip(batch, errors)):
                name = os.path.splitext(os.path.basename(paths[start + j]))[0]
                plots.error_heatmap(image, error, os.path.join(
                    args.heatmaps, f"{start + j:05d}_{name}.png"))
    if args.out != "-":
        print(f"scored {len(paths)} images into {args.out}", file=sys.stderr)
    return 0


def sample(args):
    from lsa_keras import plots
    from lsa_keras.sampling import sample_images

    if args.n < 1:
        raise UsageError(f"-n must be at least 1, got {args.n}.")
    if not args.out.lower().endswith(".png"):
        raise UsageError(f"--out must be a .png file, got {args.out}.")
    model = load_model(args.model)
    images = sample_images(model, args.n, seed=args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    height, width = plots.image_grid(images, args.out)
    import keras

    print(f"wrote {args.n} samples to {args.out} ({width}x{height}, backend "
          f"{keras.backend.backend()})")
    return 0


def zoo_command(args):
    from lsa_keras import pretrained, zoo

    if args.zoo_command == "list":
        local = zoo.zoo_dir()
        print(f"{'name':<12} {'class':<11} {'NS':>6} {'LLK':>6} {'REC':>6}  available")
        for name in zoo.available():
            e = zoo.entry(name)
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
    if args.zoo_command == "download":
        e = zoo.entry(args.name)
        if not e.get("revision"):
            raise UsageError(f"{args.name} is not published yet; build it with "
                             f"`lsa-keras zoo build {e['dataset']} --classes {e['normal_class']}`.")
        folder = pretrained.download(e["repo_id"], e["revision"], args.cache_dir)
        pretrained.load_folder(folder, e.get("files") or None)
        print(folder)
        return 0
    rest = [a for a in args.rest if a != "--"]
    if args.zoo_command == "build":
        from lsa_keras.zoo import build

        return build.main(["--dataset", args.dataset, *rest])
    from lsa_keras.zoo import publish

    return publish.main(["--dataset", args.dataset, *rest])
