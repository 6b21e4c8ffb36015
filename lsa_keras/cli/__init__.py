"""The ``lsa-keras`` command: train, evaluate, score, sample and manage the pretrained zoo.

Run ``lsa-keras --help`` or ``lsa-keras COMMAND --help``. Problems with the arguments or the
files (a missing file, an unknown dataset, a class out of range, a folder that is not a model)
end the command with one line on stderr and exit status 2; set ``LSA_KERAS_DEBUG=1`` to see
the traceback instead. TensorFlow's start-up log lines are kept off the terminal unless
``--verbose`` is given.
"""

import argparse
import errno
import math
import os
import re
import sys

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

# Before TensorFlow loads (it reads them once); a user's own setting wins.
choose_tensorflow_settings()

from lsa_keras.cli import _native_log  # noqa: E402 (after the environment it must not touch)

BACKENDS = ("tensorflow", "jax", "torch")
ZOO_DATASETS = ("mnist", "cifar10")
# Bounds of the numeric options: beyond them a run cannot be meant (a typo, an overflow) and
# would only fail late or run for days.
MAX_EPOCHS = 100_000
MAX_BATCH_SIZE = 65_536
MAX_SAMPLES = 4096
MAX_SEED = 2**32 - 1  # numpy's seed range

EPILOG = """examples:
  lsa-keras train --dataset mnist-sample --normal-class 0 --epochs 30 --out runs/digit0
  lsa-keras evaluate runs/digit0/model --dataset mnist-sample --normal-class 0 --out runs/digit0/eval
  lsa-keras train --dataset tfds:fashion_mnist --normal-class Sneaker --out runs/sneaker
  lsa-keras score runs/digit0/model my_images/ --out scores.csv --heatmaps heatmaps/
  lsa-keras sample runs/digit0/model -n 64 --out grid.png
  lsa-keras export runs/digit0/model --format onnx --out digit0.onnx
  lsa-keras zoo list

A MODEL is a folder written by `train` or save_pretrained, a zoo name such as mnist-7, or
hf://org/repo. The datasets: mnist and cifar10 (full data from --data-dir or
$LSA_KERAS_DATA_DIR), mnist-sample (ships with lsa_keras, works offline), folder (your own
images in --data-dir: one folder per class, or a flat folder of normal images) and tfds:NAME
(a TensorFlow Datasets image-classification dataset, e.g. tfds:fashion_mnist; downloaded into
--data-dir or TFDS' folder unless --no-download; --normal-class may be a class name). The
paper's MNIST numbers come from --dataset mnist (the original files' order); tfds:mnist holds
the same images in TFDS' order, so its split differs."""


def _int_in(low, high):
    """An argparse type: an integer in [low, high], else a one-line error."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be in {low}..{high}, got {value}")
        return value
    return parse


def _shard(text):
    """An argparse type: ``I/N``, shard I (0..N-1) of N; else a one-line error."""
    index, slash, count = text.partition("/")
    try:
        index, count = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (shard I of N, I from 0), got "
                                         f"{text!r}") from None
    if not slash or count < 1 or not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"expected I/N with 0 <= I < N (Slurm: --array=0-"
                                         f"<N-1>), got {text!r}")
    return index, count


def _positive_float(text):
    """An argparse type: a finite number > 0 (nan, inf, 0 and negatives are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


# A TensorFlow Datasets name after "tfds:": name[/config][:version], as tfds.builder takes it.
_TFDS_NAME = re.compile(r"[a-z][a-z0-9_]*(/[A-Za-z0-9_.-]+)?(:[0-9*][0-9.*]*)?")


def _dataset_name(text):
    """An argparse type: one of the datasets, or ``tfds:NAME``; else a one-line error."""
    from lsa_keras.datasets.one_class import DATASETS, TFDS_PREFIX

    if text in DATASETS or (text.startswith(TFDS_PREFIX)
                            and _TFDS_NAME.fullmatch(text[len(TFDS_PREFIX):])):
        return text
    raise argparse.ArgumentTypeError(
        f"invalid choice: {text!r} (choose from {', '.join(DATASETS)}, or {TFDS_PREFIX}NAME for "
        "a TensorFlow Datasets dataset such as tfds:mnist)")


def _trust_arg(p):
    p.add_argument("--trust-unverified", action="store_true",
                   help="load a model folder whose file hashes are recorded nowhere (a folder of "
                   "lsa_keras 0.1.0); only for folders from a source you trust")


def _common(p):
    p.add_argument("--backend", choices=BACKENDS,
                   help="Keras backend (default: $KERAS_BACKEND or tensorflow)")
    p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                   help="show TensorFlow's start-up log lines too")


def _data_args(p):
    from lsa_keras.datasets.one_class import DATASETS

    p.add_argument("--dataset", required=True, type=_dataset_name,
                   help=f"{', '.join(DATASETS)} (mnist-sample works offline; folder: your "
                        "images) or tfds:NAME (a TensorFlow Datasets image-classification "
                        "dataset, e.g. tfds:fashion_mnist)")
    p.add_argument("--normal-class", default=None,
                   help="the normal class: 0-9, or a class folder's name for --dataset folder; "
                        "a label number or class name for tfds:NAME")
    p.add_argument("--data-dir", default=None,
                   help="folder with the data (default: $LSA_KERAS_DATA_DIR); for tfds:NAME, "
                        "TFDS' data folder (default: $TFDS_DATA_DIR or ~/tensorflow_datasets)")
    p.add_argument("--no-download", dest="download", action="store_false",
                   help="tfds:NAME: read the dataset prepared in --data-dir, never download it "
                        "(without it, a dataset not prepared there is downloaded)")
    p.add_argument("--stream", action="store_true",
                   help="--dataset folder: read the images from disk batch by batch instead of "
                        "loading them (automatic for folders too large to load)")


def _zoo_parsers(zsub, common):
    zl = zsub.add_parser("list", help="zoo names, measured AUROC, size, built here / "
                         "published / neither, below-chance warnings")
    common(zl)
    zd = zsub.add_parser("download", help="fetch a zoo model into the Hugging Face cache")
    zd.add_argument("name")
    zd.add_argument("--cache-dir", default=None)
    common(zd)
    zb = zsub.add_parser(
        "build", help="train one zoo name (or a dataset's ten) into the local zoo folder",
        description="Train NAME (a zoo name such as mnist-7; or a dataset, mnist or cifar10, "
        "with --classes) with its recipe under the paper's protocol through the one training "
        "flow (lsa_keras.training.train_one_class), or take the model a reproduction run saved "
        "(--from-results); calibrate it on its validation split, write it to "
        "ZOO_DIR/NAME/ and record its AUROC and folder size in the preset file (clearing the "
        "pinned revision until it is published again).")
    zb.add_argument("name", metavar="NAME", help="zoo name (mnist-7) or dataset (mnist, cifar10)")
    _classes(zb)
    zb.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"),
                    help="folder with the data (default: $LSA_KERAS_DATA_DIR)")
    zb.add_argument("--from-results", default=None,
                    help="a reproduction run's --out folder whose saved models to use (classes "
                         "missing there are trained)")
    zb.add_argument("--epochs", type=_int_in(1, MAX_EPOCHS), default=None,
                    help="override the recipe (for trials)")
    zb.add_argument("--shard", type=_shard, default=None, metavar="I/N",
                    help="build only shard I (0..N-1) of the names, for N jobs of a cluster "
                         "(e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT); each "
                         "job records its results in the preset file under a lock")
    common(zb)
    zp = zsub.add_parser("publish", help="upload a built zoo folder to the Hub, pin its preset",
                         description="Upload ZOO_DIR/NAME/ to its Hub repository and record "
                         "the commit made, the file hashes and the folder size in the preset "
                         "file ($LSA_KERAS_ZOO_REGISTRY or the installed one).")
    zp.add_argument("name", metavar="NAME", help="zoo name (mnist-7) or dataset (mnist, cifar10)")
    _classes(zp)
    zp.add_argument("--token", default=None, help="Hub token (default: the saved login)")
    zp.add_argument("--private", action="store_true")
    common(zp)


def _classes(p):
    p.add_argument("--classes", type=_int_in(0, 9), nargs="+", default=None,
                   help="with a dataset NAME: the classes (default all ten)")
    p.add_argument("--zoo-dir", default=None,
                   help="default: $LSA_KERAS_ZOO_DIR or ~/.cache/lsa_keras/zoo")


def build_parser():
    p = argparse.ArgumentParser(
        prog="lsa-keras", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Novelty detection with Latent Space Autoregression (Abati et al., CVPR "
                    "2019): learn one normal class, then score how novel new images are.")
    p.add_argument("--verbose", action="store_true", default=False,
                   help="show TensorFlow's start-up log lines (hidden by default)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser("train", help="train a model on the normal class of a dataset",
                       description="Train LSA on the normal images of a dataset (progress bar, a "
                       "checkpoint every epoch: rerun the same command to resume) and write "
                       "a calibrated model folder to OUT/model.")
    _data_args(t)
    t.add_argument("--out", required=True, help="run folder (checkpoints, model/)")
    t.add_argument("--epochs", type=_int_in(1, MAX_EPOCHS), default=None,
                   help="default: the zoo recipe's")
    t.add_argument("--batch-size", type=_int_in(1, MAX_BATCH_SIZE), default=None,
                   help="default: the zoo recipe's")
    t.add_argument("--learning-rate", type=_positive_float, default=None,
                   help="a finite number > 0; default: the zoo recipe's")
    t.add_argument("--steps-per-epoch", type=_int_in(1, MAX_EPOCHS), default=None,
                   help="train at most N batches an epoch (a quick try on a large dataset); "
                        "default: every training image")
    t.add_argument("--schedule", choices=["constant", "cosine"], default=None,
                   help="learning rate: constant, or cosine decay to 1%% of it over the epochs; "
                        "default: the zoo recipe's")
    t.add_argument("--architecture", choices=["mnist", "cifar10"], default=None,
                   help="network for --dataset folder or tfds:NAME (images are resized to "
                        "28x28 gray or 32x32 RGB); default mnist for a folder, the one that "
                        "takes the images for tfds:NAME")
    t.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0)
    t.add_argument("--distribute", action="store_true",
                   help="train data-parallel on every local GPU (else CPU device); "
                        "--batch-size is the global batch. With TF_CONFIG naming several "
                        "workers (TensorFlow), across them: run the same command on each, "
                        "worker 0 writes OUT. TensorFlow and JAX backends only")
    _common(t)

    e = sub.add_parser("evaluate", help="AUROC of a model on a dataset, ROC and histogram PNGs",
                       description="Score the test images of a dataset (normal class vs the "
                       "others; Keras' progress bar on standard error) and report the AUROC of "
                       "LLK, REC and NS; write roc.png, ns_histogram.png and evaluation.json "
                       "to --out.")
    e.add_argument("model", metavar="MODEL")
    _trust_arg(e)
    _data_args(e)
    e.add_argument("--out", default=".", help="folder for the PNGs and evaluation.json")
    _common(e)

    s = sub.add_parser("score", help="score image files: CSV of LLK, REC, NS, novel",
                       description="Score image files or folders of images (Keras' progress "
                       "bar on standard error); write one CSV row per image (path, llk, rec, "
                       "ns, novel).")
    s.add_argument("model", metavar="MODEL")
    _trust_arg(s)
    s.add_argument("paths", metavar="PATH", nargs="+", help="image files or folders")
    s.add_argument("--out", default="-", help="CSV file (default: standard output)")
    s.add_argument("--heatmaps", metavar="DIR", default=None,
                   help="also write, per image, a PNG of its per-pixel reconstruction error")
    _common(s)

    g = sub.add_parser("sample", help="decode codes drawn from the model's prior into a PNG grid",
                       description="Draw codes from the autoregressive prior one bin at a time "
                       "and decode them (supplement Fig. 1).")
    g.add_argument("model", metavar="MODEL")
    _trust_arg(g)
    g.add_argument("-n", type=_int_in(1, MAX_SAMPLES), default=64,
                   help=f"number of images, 1..{MAX_SAMPLES} (default 64)")
    g.add_argument("--out", required=True, help="PNG file")
    g.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0)
    _common(g)

    x = sub.add_parser("export", help="write the calibrated detector for serving (SavedModel "
                       "or ONNX)",
                       description="Write MODEL as a serving artifact that needs no lsa_keras: "
                       "a batch of images in; llk, rec, ns and label out, with the score "
                       "statistics and threshold baked in. tf_saved_model loads with "
                       "tf.saved_model.load and TF Serving; onnx runs in onnxruntime.")
    x.add_argument("model", metavar="MODEL")
    _trust_arg(x)
    x.add_argument("--format", choices=["tf_saved_model", "onnx"], default="tf_saved_model")
    x.add_argument("--input-dtype", choices=["float32", "uint8"], default="float32",
                   help="what the artifact takes: float32 in [0, 1] (default) or uint8 in "
                        "[0, 255]")
    x.add_argument("--out", required=True,
                   help="the SavedModel folder, or the .onnx file, to write (must not exist)")
    _common(x)

    z = sub.add_parser("zoo", help="list, download, build or publish pretrained models")
    zsub = z.add_subparsers(dest="zoo_command", metavar="ACTION", required=True)
    _zoo_parsers(zsub, _common)
    return p


def _switch_backend(argv, backend):
    """Select ``backend`` (``--backend``, as parsed: ``--backend=jax`` too): before Keras is
    imported, through ``KERAS_BACKEND``; after, by re-running the command under it."""
    if backend is None:
        return
    if "keras" not in sys.modules:
        # Keras reads the variable once, when it is first imported: no second process (and no
        # second TensorFlow import) is needed.
        os.environ["KERAS_BACKEND"] = backend
        return
    import keras

    if keras.backend.backend() != backend:
        env = dict(os.environ, KERAS_BACKEND=backend)
        sys.stdout.flush()
        # The new process filters its own standard error: give it the terminal, not our pipe.
        _native_log.stop()
        os.execve(sys.executable, [sys.executable, "-m", "lsa_keras.cli", *argv], env)


def _wants_verbose(argv):
    """Whether ``--verbose`` is among the options (before a ``--``); read before parsing,
    because building the parser already imports TensorFlow."""
    options = argv[:argv.index("--")] if "--" in argv else argv
    return "--verbose" in options


def _error_message(error):
    """One line saying what went wrong (and, for a full disk, what to do)."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        words = error.strerror or ""
        if words and words != os.strerror(errno.ENOSPC) and "file write failed" not in words:
            return " ".join(words.split())  # lsa_keras' own: what happened and what to do
        # The system's words, or h5py's (many lines long): say what happened and what to do.
        where = f" writing {error.filename}" if error.filename else ""
        return (f"no space left on the device{where}; free some space or write elsewhere "
                "(nothing was left half-written).")
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None):
    """Run ``lsa-keras`` with ``argv`` (default: the command line); the exit status.

    Run as the command (``argv`` None), it keeps TensorFlow's native start-up log lines off
    standard error unless ``--verbose`` is given; called with an argument list, as from
    Python, it leaves the process' file descriptors alone.
    """
    command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if command_line and not _wants_verbose(argv):
        _native_log.start()
    try:
        return _run(argv)
    finally:
        _native_log.stop()


def _run(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    _switch_backend(argv, getattr(args, "backend", None))
    from lsa_keras.cli import commands

    try:
        return commands.run(args)
    except KeyboardInterrupt:
        print("lsa-keras: interrupted; rerun the same command to resume.", file=sys.stderr)
        return 130
    except (commands.UsageError, FileNotFoundError, ValueError, OSError, KeyError) as e:
        if os.environ.get("LSA_KERAS_DEBUG"):
            raise
        print(f"lsa-keras {args.command}: error: {_error_message(e)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
