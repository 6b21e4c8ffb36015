"""The ``lsa-keras`` command: train, evaluate, score, sample and manage the pretrained zoo.

Run ``lsa-keras --help`` or ``lsa-keras COMMAND --help``. Problems with the arguments or the
files (a missing file, an unknown dataset, a class out of range, a folder that is not a model)
end the command with one line on stderr and exit status 2; set ``LSA_KERAS_DEBUG=1`` to see
the traceback instead.
"""

import argparse
import os
import sys

# Set before TensorFlow loads (it reads them once). The pooling (BFC) CPU allocator keeps freed
# buffers for reuse, where the default one returns large buffers to the system and every
# training step faults their pages in again; a user's own setting wins.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BACKENDS = ("tensorflow", "jax", "torch")
ZOO_DATASETS = ("mnist", "cifar10")

EPILOG = """examples:
  lsa-keras train --dataset mnist-sample --normal-class 0 --epochs 30 --out runs/digit0
  lsa-keras evaluate runs/digit0/model --dataset mnist-sample --normal-class 0 --out runs/digit0/eval
  lsa-keras score runs/digit0/model my_images/ --out scores.csv --heatmaps heatmaps/
  lsa-keras sample runs/digit0/model -n 64 --out grid.png
  lsa-keras zoo list

A MODEL is a folder written by `train` or save_pretrained, a zoo name such as mnist-7, or
hf://org/repo. The datasets: mnist and cifar10 (full data from --data-dir or
$LSA_KERAS_DATA_DIR), mnist-sample (ships with lsa_keras, works offline) and folder (your own
images in --data-dir: one folder per class, or a flat folder of normal images)."""


def _common(p):
    p.add_argument("--backend", choices=BACKENDS,
                   help="Keras backend (default: $KERAS_BACKEND or tensorflow)")


def _data_args(p):
    from lsa_keras.datasets.one_class import DATASETS

    p.add_argument("--dataset", required=True, choices=DATASETS,
                   help="mnist, cifar10, mnist-sample (offline) or folder (your images)")
    p.add_argument("--normal-class", default=None,
                   help="the normal class: 0-9, or a class folder's name for --dataset folder")
    p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"),
                   help="folder with the data (default: $LSA_KERAS_DATA_DIR)")


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
    zb.add_argument("--epochs", type=int, default=None, help="override the recipe (for trials)")
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
    p.add_argument("--classes", type=int, nargs="+", default=None,
                   help="with a dataset NAME: the classes (default all ten)")
    p.add_argument("--zoo-dir", default=None,
                   help="default: $LSA_KERAS_ZOO_DIR or ~/.cache/lsa_keras/zoo")


def build_parser():
    p = argparse.ArgumentParser(
        prog="lsa-keras", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Novelty detection with Latent Space Autoregression (Abati et al., CVPR "
                    "2019): learn one normal class, then score how novel new images are.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser("train", help="train a model on the normal class of a dataset",
                       description="Train LSA on the normal images of a dataset (progress bar, a "
                       "checkpoint every epoch: rerun the same command to resume) and write "
                       "a calibrated model folder to OUT/model.")
    _data_args(t)
    t.add_argument("--out", required=True, help="run folder (checkpoints, model/)")
    t.add_argument("--epochs", type=int, default=None, help="default: the zoo recipe's")
    t.add_argument("--batch-size", type=int, default=None, help="default: the zoo recipe's")
    t.add_argument("--learning-rate", type=float, default=None, help="default: the zoo recipe's")
    t.add_argument("--schedule", choices=["constant", "cosine"], default=None,
                   help="learning rate: constant, or cosine decay to 1%% of it over the epochs; "
                        "default: the zoo recipe's")
    t.add_argument("--architecture", choices=["mnist", "cifar10"], default=None,
                   help="network for --dataset folder (images are resized to 28x28 gray or "
                        "32x32 RGB); default mnist")
    t.add_argument("--seed", type=int, default=0)
    _common(t)

    e = sub.add_parser("evaluate", help="AUROC of a model on a dataset, ROC and histogram PNGs",
                       description="Score the test images of a dataset (normal class vs the "
                       "others; Keras' progress bar on standard error) and report the AUROC of "
                       "LLK, REC and NS; write roc.png, ns_histogram.png and evaluation.json "
                       "to --out.")
    e.add_argument("model", metavar="MODEL")
    _data_args(e)
    e.add_argument("--out", default=".", help="folder for the PNGs and evaluation.json")
    _common(e)

    s = sub.add_parser("score", help="score image files: CSV of LLK, REC, NS, novel",
                       description="Score image files or folders of images (Keras' progress "
                       "bar on standard error); write one CSV row per image (path, llk, rec, "
                       "ns, novel).")
    s.add_argument("model", metavar="MODEL")
    s.add_argument("paths", metavar="PATH", nargs="+", help="image files or folders")
    s.add_argument("--out", default="-", help="CSV file (default: standard output)")
    s.add_argument("--heatmaps", metavar="DIR", default=None,
                   help="also write, per image, a PNG of its per-pixel reconstruction error")
    _common(s)

    g = sub.add_parser("sample", help="decode codes drawn from the model's prior into a PNG grid",
                       description="Draw codes from the autoregressive prior one bin at a time "
                       "and decode them (supplement Fig. 1).")
    g.add_argument("model", metavar="MODEL")
    g.add_argument("-n", type=int, default=64, help="number of images (default 64)")
    g.add_argument("--out", required=True, help="PNG file")
    g.add_argument("--seed", type=int, default=0)
    _common(g)

    z = sub.add_parser("zoo", help="list, download, build or publish pretrained models")
    zsub = z.add_subparsers(dest="zoo_command", metavar="ACTION", required=True)
    _zoo_parsers(zsub, _common)
    return p


def _switch_backend(argv):
    """Re-run the command under ``--backend`` if Keras was already imported with another."""
    if "--backend" not in argv:
        return
    i = argv.index("--backend")
    if i + 1 >= len(argv) or argv[i + 1] not in BACKENDS:
        return  # argparse reports it
    import keras

    if keras.backend.backend() != argv[i + 1]:
        env = dict(os.environ, KERAS_BACKEND=argv[i + 1])
        os.execve(sys.executable, [sys.executable, "-m", "lsa_keras.cli", *argv], env)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _switch_backend(argv)
    from lsa_keras.cli import commands

    try:
        return commands.run(args)
    except KeyboardInterrupt:
        print("lsa-keras: interrupted; rerun the same command to resume.", file=sys.stderr)
        return 130
    except (commands.UsageError, FileNotFoundError, ValueError, OSError, KeyError) as e:
        if os.environ.get("LSA_KERAS_DEBUG"):
            raise
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"lsa-keras {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
