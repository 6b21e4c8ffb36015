"""What each ``lsa-keras`` subcommand does (argument parsing lives in ``__init__``)."""

import csv
import json
import os
import sys
import time

import numpy as np

from lsa_keras.datasets.one_class import TFDS_PREFIX, load_one_class
from lsa_keras.utils.atomic import write_atomically, write_text_atomically

__all__ = ["UsageError", "run"]


class UsageError(ValueError):
    """A problem with the command's arguments; reported in one line."""


def run(args):
    from lsa_keras.cli import zoo

    handler = {"train": train, "evaluate": evaluate, "score": score, "sample": sample,
               "export": export, "zoo": zoo.run}[args.command]
    return handler(args)


def _positive(name, value):
    if value is not None and value <= 0:
        raise UsageError(f"{name} must be positive, got {value}.")


def load_model(source, trust_unverified=False):
    """A model from a folder, a zoo name or an hf:// handle, with one-line errors
    (``trust_unverified``: see :func:`lsa_keras.from_pretrained`)."""
    import lsa_keras

    if os.path.exists(source) and not os.path.isdir(source):
        raise UsageError(f"{source} is a file; MODEL must be a model folder (save_pretrained), "
                         "a zoo name or hf://org/repo.")
    # hf://org/repo holds a "/" but is a Hub handle, not a path: from_pretrained resolves it.
    looks_like_path = (not source.startswith("hf://")
                       and (os.sep in source or source.startswith(".")))
    if looks_like_path and not os.path.exists(source):
        raise UsageError(f"model folder {source} does not exist.")
    try:
        return lsa_keras.from_pretrained(source, trust_unverified=trust_unverified)
    except ValueError as e:
        if trust_unverified or "trust_unverified=True" not in str(e):
            raise
        # The library's advice names its keyword; on the command line it is a flag.
        raise UsageError(str(e).replace("pass trust_unverified=True", "pass --trust-unverified")
                         .replace("trust_unverified=True", "--trust-unverified")) from e


def scores_with_progress(model, images):
    """``model.score(images)`` with Keras' progress bar on standard error (standard output may
    be the CSV)."""
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):
        return model.score(images, verbose=1)


# Above this much float32 input, a folder is read from disk batch by batch instead of loaded:
# loading holds it several times over (file bytes, uint8 pixels, float32 model input).
STREAM_ABOVE_BYTES = 2**30


def stream_folder(args, image_shape):
    """Whether the command reads its ``--dataset folder`` batch by batch (``--stream``, or a
    folder whose images take more than :data:`STREAM_ABOVE_BYTES` as model input)."""
    from lsa_keras.datasets.image_folder import list_image_files

    if args.dataset != "folder":
        if args.stream:
            raise UsageError("--stream applies to --dataset folder only.")
        return False
    if args.stream:
        return True
    if not args.data_dir or not os.path.isdir(args.data_dir):
        return False  # an archive is loaded; a missing folder is reported by the loader
    return len(list_image_files(args.data_dir)) * int(np.prod(image_shape)) * 4 \
        > STREAM_ABOVE_BYTES


def data_dir_of(args):
    """``--data-dir``, else ``$LSA_KERAS_DATA_DIR``; for ``--dataset tfds:NAME``, else None:
    TFDS' own data folder, not the folder of lsa_keras' data sets."""
    tfds = args.dataset.startswith(TFDS_PREFIX)
    if not args.download and not tfds:
        raise UsageError("--no-download applies to --dataset tfds:NAME only.")
    if args.data_dir or tfds:
        return args.data_dir
    return os.environ.get("LSA_KERAS_DATA_DIR")


def train(args):
    import keras

    from lsa_keras.models.lsa import lsa_presets
    from lsa_keras.models.lsa.lsa_networks import input_shape_of
    from lsa_keras.training import train_one_class

    for flag in ("epochs", "batch_size", "learning_rate"):
        _positive("--" + flag.replace("_", "-"), getattr(args, flag))
    # Before any other TensorFlow work: a multi-worker strategy configures the runtime.
    distribution = _distribution() if getattr(args, "distribute", False) else None
    args.data_dir = data_dir_of(args)
    shape = None
    if args.dataset == "folder":
        shape = input_shape_of(args.architecture or "mnist")
    elif args.architecture and args.dataset.startswith(TFDS_PREFIX):
        shape = input_shape_of(args.architecture)  # the dataset's images are resized to it
    elif args.architecture:
        raise UsageError("--architecture applies to --dataset folder and tfds:NAME only.")
    lazy = stream_folder(args, shape)
    data = load_one_class(args.dataset, args.normal_class, args.data_dir, shape, lazy=lazy,
                          download=args.download)
    architecture = data["architecture"]
    recipe = lsa_presets.recipe("cifar10" if architecture == "cifar10" else "mnist")
    schedule = dict(recipe["schedule"])
    for key, value in (("epochs", args.epochs), ("batch_size", args.batch_size),
                       ("learning_rate", args.learning_rate), ("schedule", args.schedule),
                       ("steps_per_epoch", args.steps_per_epoch)):
        if value is not None:
            schedule[key] = value
    # What identifies this run's checkpoints: rerunning the same command resumes it.
    settings = {"dataset": args.dataset, "normal_class": args.normal_class,
                "data_dir": os.path.abspath(args.data_dir) if args.data_dir else None,
                "architecture": architecture, "seed": args.seed, **schedule}
    x, x_val = data["x_train"], data["x_val"]
    rate = {"constant": "constant", "cosine": "cosine-decayed to 1% over the epochs"}
    print(f"lsa-keras train: {args.dataset} ({data['note']}), normal class {args.normal_class}: "
          f"{len(x)} training / {len(x_val)} validation images; {schedule['epochs']} epochs"
          + (f" of at most {schedule['steps_per_epoch']} batches" if "steps_per_epoch" in schedule
             else "")
          + f", batch {schedule['batch_size']}, Adam lr {schedule['learning_rate']} "
          f"({rate[schedule['schedule']]}); backend {keras.backend.backend()}; checkpoints in "
          f"{args.out}", flush=True)
    start = time.time()
    folder = os.path.join(args.out, "model")
    _, result = train_one_class(
        data, args.out, schedule, seed=args.seed, settings=settings, model_dir=folder,
        calibration_fpr=recipe["calibration"]["fpr"], verbose=1,
        metadata={"name": os.path.basename(os.path.abspath(args.out)),
                  "normal_class": args.normal_class}, distribution=distribution)
    if "auroc_ns" in result:
        print("test AUROC  LLK {auroc_llk:.3f}  REC {auroc_rec:.3f}  NS {auroc_ns:.3f}".format(
            **result))
    from lsa_keras.training.distribution import is_chief, worker_index

    if distribution is not None and not is_chief(distribution):
        folder = os.path.join(args.out, f"worker-{worker_index(distribution)}")
        print(f"worker {worker_index(distribution)}: trained ({time.time() - start:.0f} s this "
              f"session); worker 0 writes the model, this worker's checkpoints are in {folder}")
        return 0
    print(f"model written to {folder} ({time.time() - start:.0f} s this session)")
    return 0


def _distribution():
    """``--distribute``: the data-parallel distribution, announced in one line."""
    from lsa_keras.training import distribution as dist

    try:
        distribution = dist.data_parallel()
    except NotImplementedError as e:
        raise UsageError(f"--distribute: {e}") from e
    except RuntimeError as e:  # TensorFlow's runtime started before the cluster was set
        raise UsageError(f"--distribute: {e}") from e
    workers = dist.worker_count()
    where = (f"worker {dist.worker_index(distribution)} of {workers}" if workers > 1
             else "this machine")
    print(f"lsa-keras train: data-parallel over {dist.replica_count(distribution)} devices "
          f"({where})", flush=True)
    return distribution


def evaluate(args):
    from lsa_keras import scoring
    from lsa_keras.training.one_class import streamed
    from lsa_keras.utils import plots

    args.data_dir = data_dir_of(args)
    model = load_model(args.model, args.trust_unverified)
    lazy = stream_folder(args, model.image_shape)
    data = load_one_class(args.dataset, args.normal_class, args.data_dir, model.image_shape,
                          lazy=lazy, download=args.download)
    if data["x_test"] is None:
        raise UsageError("evaluation needs labelled images: a dataset, or a folder with one "
                         "subfolder per class.")
    if tuple(data["x_test"].shape[1:]) != tuple(model.image_shape):
        raise UsageError(f"the model takes images {model.image_shape}, the dataset has "
                         f"{data['x_test'].shape[1:]}.")
    scores = scores_with_progress(model, streamed(data["x_test"]))
    auroc = scoring.auroc(data["novel_test"], scores)
    os.makedirs(args.out, exist_ok=True)
    # Every output is written whole or not at all (a full disk keeps the previous files).
    write_atomically(os.path.join(args.out, "roc.png"), lambda tmp: plots.roc_curves(
        data["novel_test"], scores, tmp, title=f"{args.dataset}, normal class {args.normal_class}"))
    threshold = float(np.asarray(model.threshold))
    write_atomically(os.path.join(args.out, "ns_histogram.png"), lambda tmp: plots.score_histogram(
        scores["ns"], data["novel_test"], tmp, threshold=threshold,
        title="NS, normal vs novel test images"))
    report = {"model": args.model, "dataset": args.dataset, "normal_class": args.normal_class,
              "data": data["note"], "n_test": int(len(data["novel_test"])),
              "n_novel": int(data["novel_test"].sum()), "auroc": auroc}
    write_text_atomically(os.path.join(args.out, "evaluation.json"),
                          json.dumps(report, indent=2))
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
        elif os.path.exists(path):  # a device, a pipe, a socket: endless or not an image
            raise UsageError(f"{path} is neither an image file nor a folder of images.")
        else:
            raise UsageError(f"{path} does not exist.")
    if not found:
        raise UsageError(f"no images in {' '.join(paths)}.")
    return found


MAX_IMAGE_BYTES = 256 * 2**20


def score(args):
    from keras import ops

    from lsa_keras.utils import plots
    from lsa_keras.datasets.decoding import decode_images
    from lsa_keras.utils.preprocessing import to_model_input

    model = load_model(args.model, args.trust_unverified)
    paths = _image_paths(args.paths)
    encoded = []
    for path in paths:
        # Bounded memory: an image file of this size is no image the model could read.
        if os.path.getsize(path) > MAX_IMAGE_BYTES:
            raise UsageError(f"{path} is {os.path.getsize(path) / 2**20:.0f} MiB, more than an "
                             f"image file may be ({MAX_IMAGE_BYTES // 2**20} MiB).")
        with open(path, "rb") as f:
            encoded.append(f.read())
    h, w, c = model.image_shape
    images = decode_images(encoded, paths, channels=c, image_size=(h, w))
    result = scores_with_progress(model, images)
    novel = (result["ns"] > model.threshold_).astype("int32")

    def write_csv(out):
        writer = csv.writer(out)
        writer.writerow(["path", "llk", "rec", "ns", "novel"])
        for i, path in enumerate(paths):
            writer.writerow([path, f"{result['llk'][i]:.6g}", f"{result['rec'][i]:.6g}",
                             f"{result['ns'][i]:.6g}", int(novel[i])])

    if args.out == "-":
        write_csv(sys.stdout)
    else:
        def write_file(tmp):
            with open(tmp, "w", newline="") as f:
                write_csv(f)
        # Whole or not at all: a full disk keeps an existing CSV intact, not a fragment.
        write_atomically(args.out, write_file)
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
                write_atomically(
                    os.path.join(args.heatmaps, f"{start + j:05d}_{name}.png"),
                    lambda tmp, image=image, error=error: plots.error_heatmap(image, error, tmp))
    if args.out != "-":
        print(f"scored {len(paths)} images into {args.out}", file=sys.stderr)
    return 0


# Codes drawn and decoded at a time: bounds the sampler's memory whatever -n is.
SAMPLE_BATCH = 256


def export(args):
    import shutil
    import tempfile

    out = os.path.abspath(args.out)
    if os.path.lexists(out):
        raise UsageError(f"{args.out} exists; export writes a new folder or file (remove it, or "
                         "choose another --out).")
    if args.format == "onnx" and not out.lower().endswith(".onnx"):
        raise UsageError(f"--out must be a .onnx file for --format onnx, got {args.out}.")
    model = load_model(args.model, args.trust_unverified)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    # Written beside --out and renamed into place: a failed or interrupted export leaves no
    # half-written artifact where a server would load it.
    staging = tempfile.mkdtemp(prefix=".lsa-export-", dir=parent)
    try:
        target = os.path.join(staging, os.path.basename(out))
        model.export(target, format=args.format, input_dtype=args.input_dtype, verbose=False)
        os.replace(target, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shape = ", ".join(map(str, model.image_shape))
    print(f"wrote {args.out} ({args.format}): input 'images' {args.input_dtype} (batch, {shape})"
          f"; outputs llk, rec, ns, label (batch,)")
    return 0


def sample(args):
    import contextlib

    import keras

    from lsa_keras.utils import plots
    from lsa_keras.models.lsa.lsa_sampler import sample_images

    if args.n < 1:
        raise UsageError(f"-n must be at least 1, got {args.n}.")
    if not args.out.lower().endswith(".png"):
        raise UsageError(f"--out must be a .png file, got {args.out}.")
    model = load_model(args.model, args.trust_unverified)
    batches = range(0, args.n, SAMPLE_BATCH)
    # A progress bar on standard error when there is more than one batch to draw.
    bar = keras.utils.Progbar(args.n) if len(batches) > 1 else None
    images = []
    for k, start in enumerate(batches):
        # The first batch uses --seed itself (the same images as one draw of up to
        # SAMPLE_BATCH did); later ones their own streams of it.
        seed = args.seed if k == 0 else [args.seed, k]
        images.append(sample_images(model, min(SAMPLE_BATCH, args.n - start), seed=seed))
        if bar is not None:
            with contextlib.redirect_stdout(sys.stderr):
                bar.add(len(images[-1]))
    images = np.concatenate(images)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    shape = []
    write_atomically(args.out, lambda tmp: shape.extend(plots.image_grid(images, tmp)))
    height, width = shape
    print(f"wrote {args.n} samples to {args.out} ({width}x{height}, backend "
          f"{keras.backend.backend()})")
    return 0
