"""The paper's one-class tables: reference values, a command line, and the results files.

``reproduce_mnist.py`` and ``reproduce_cifar10.py`` are thin wrappers around :func:`main`
(a helper of these scripts, not part of the installed package). Every class is trained,
calibrated, evaluated and saved by :func:`lsa_keras.training.train_one_class` (the flow of
``lsa-keras train`` and ``lsa-keras zoo build``) and merged into ``OUT/results.json`` and
``OUT/results.md`` as soon as it finishes, so classes can be run in separate invocations. Each
class checkpoints every two minutes of training (``--checkpoint-every``) under
``OUT/checkpoints/<dataset>-<class>/``: running the same command again after a stop continues
from the last checkpoint. The calibrated model is
written with ``save_pretrained`` to ``OUT/models/<dataset>-<class>/``, which ``lsa-keras zoo
build --from-results OUT`` publishes as is.
"""

import argparse
import json
import os
import sys

import keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import machine  # noqa: E402  (examples/machine.py)
from lsa_keras.initializers import INITIALIZATIONS  # noqa: E402
from lsa_keras.utils.atomic import write_text_atomically  # noqa: E402

# Paper, Table 2 of the main text: NS AUROC per class.
PAPER_NS = {
    "mnist": [0.993, 0.999, 0.959, 0.966, 0.956, 0.964, 0.994, 0.980, 0.953, 0.981],
    "cifar10": [0.735, 0.580, 0.690, 0.542, 0.761, 0.546, 0.751, 0.535, 0.717, 0.548],
}
# Paper, supplement Table 2: mean AUROC of (LLK, REC, NS).
PAPER_MEANS = {"mnist": (0.926, 0.949, 0.975), "cifar10": (0.627, 0.603, 0.641)}

DATA_NOTES = {
    "mnist": "original MNIST IDX files",
    "cifar10": "CIFAR-10 JPEG re-encoding (quality ~75) of ../shared/datasets/cifar10-jpeg, "
               "not the original pixels",
}


class TestAurocTrace(keras.callbacks.Callback):
    """Research aid: test AUROC every ``every`` epochs. Never used to choose a checkpoint."""

    def __init__(self, split, every):
        super().__init__()
        self.split, self.every, self.trace = split, every, []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            result = evaluate(self.model, self.split)
            self.trace.append({"epoch": epoch + 1, **result})
            print(f"  epoch {epoch + 1}: test AUROC " + " ".join(f"{k} {v:.3f}" for k, v in result.items()))


def evaluate(model, split, batch_size=500):
    """AUROC of LLK, REC and NS on the test set, normalised on the validation set (the model's
    own calibration is left as it is)."""
    from lsa_keras import scoring
    from lsa_keras.models.lsa.lsa_scorer import per_sample_scores

    stats = scoring.min_max_stats(per_sample_scores(model, split["x_val"], batch_size))
    scores = scoring.novelty_scores(per_sample_scores(model, split["x_test"], batch_size), stats)
    return scoring.auroc(split["novel_test"], scores)


# ``--jit-compile`` -> ``compile()``'s ``jit_compile``.
JIT_COMPILE = {"auto": "auto", "on": True, "off": False}


def default_jit_compile(backend=None, simd=None, onednn=None):
    """``--jit-compile``'s default under ``backend`` (default Keras' own) on a CPU whose vector
    extensions are ``simd`` (default this machine's, ``machine.describe()["simd"]``), with
    TensorFlow's oneDNN kernels on or off (``onednn``, default: whether
    ``TF_ENABLE_ONEDNN_OPTS`` turns them on; the scripts turn them off unless it is set).

    "on" (XLA) with JAX and TensorFlow: a whole reproduction repays compiling the step once per
    batch shape, and XLA's code beats TensorFlow's own (Eigen) kernels. With TensorFlow's
    oneDNN kernels on, on an AVX-512 CPU, it is "auto" (Keras' rule: XLA on a GPU, not on a
    CPU): oneDNN uses the 512-bit units and XLA's CPU code does not, so there XLA's step is the
    slower one (docs/guides/performance.md). PyTorch keeps "auto": there "on" is torch.compile.
    """
    backend = backend or keras.backend.backend()
    if backend == "torch":
        return "auto"
    if backend == "tensorflow":
        if onednn is None:
            onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").lower() in ("1", "true")
        simd = machine.describe()["simd"] if simd is None else simd
        if onednn and "avx512f" in simd:
            return "auto"
    return "on"


def parser(dataset, defaults):
    """Command line of a reproduction script; ``defaults`` holds the documented schedule."""
    p = argparse.ArgumentParser(description=f"Reproduce the paper's {dataset} one-class table.")
    p.add_argument("--classes", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"),
                   help="folder with the data (default: $LSA_KERAS_DATA_DIR; none = download)")
    p.add_argument("--out", required=True, help="results folder; existing results are merged")
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    p.add_argument("--learning-rate", type=float, default=defaults["learning_rate"])
    p.add_argument("--schedule", choices=["constant", "cosine"], default=defaults["schedule"])
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and batch order")
    p.add_argument("--initialization", choices=INITIALIZATIONS,
                   default=defaults.get("initialization", "torch"),
                   help="initial weights: today's PyTorch defaults, or those of torch 0.4.1 "
                        "(the authors' version; see lsa_keras.initializers.apply_initialization)")
    p.add_argument("--augmentation", choices=["none", "horizontal_flip"],
                   default=defaults.get("augmentation") or "none",
                   help="training-time augmentation: mirror each image left to right with "
                        "probability 1/2 (seeded), or none")
    p.add_argument("--dtype-policy", choices=["float32", "mixed_bfloat16"],
                   default=defaults.get("dtype_policy", "float32"),
                   help="Keras dtype policy of the trained model: mixed_bfloat16 computes in "
                        "bfloat16 with float32 weights (fast where the hardware has bfloat16 "
                        "units: AMX, AVX512_BF16, GPUs)")
    p.add_argument("--jit-compile", choices=["auto", "on", "off"],
                   default=defaults.get("jit_compile", default_jit_compile()),
                   help="train with XLA (on), without (off), or by Keras' rule (auto: XLA on "
                        "a GPU, not on a CPU with TensorFlow; with PyTorch on would mean "
                        "torch.compile). Default: on with JAX and TensorFlow, auto with PyTorch "
                        "and with TensorFlow's oneDNN kernels turned on (TF_ENABLE_ONEDNN_OPTS=1) "
                        "on an AVX-512 CPU, where they beat XLA's code. A speed setting, recorded "
                        "per class, not in the schedule (docs/guides/performance.md)")
    p.add_argument("--no-save", action="store_true",
                   help="do not keep the trained models (default: the calibrated model's "
                        "save_pretrained folder OUT/models/<dataset>-<class>/)")
    p.add_argument("--checkpoints", default=None,
                   help="folder of the per-class training checkpoints (default OUT/checkpoints); "
                        "rerunning a stopped class resumes from its last checkpoint")
    p.add_argument("--checkpoint-every", type=float, default=120.0, metavar="SECONDS",
                   help="write the checkpoint at the end of the first epoch this long after the "
                        "last one, and of the last epoch (0: every epoch); a stopped class "
                        "trains the epochs after its last checkpoint again, to the same weights")
    p.add_argument("--eval-every", type=int, default=0,
                   help="also log test AUROC every N epochs (analysis only, never for choosing)")
    return p


def schedule_of(args):
    schedule = {"epochs": args.epochs, "batch_size": args.batch_size,
            "learning_rate": args.learning_rate, "schedule": args.schedule,
            "optimizer": "Adam", "lam": 1.0,
            "checkpoint": "lowest validation loss"}
    if args.initialization != "torch":  # recorded only when set, so older tables still merge
        schedule["initialization"] = args.initialization
    if args.augmentation != "none":  # likewise
        schedule["augmentation"] = args.augmentation
    if args.dtype_policy != "float32":  # likewise
        schedule["dtype_policy"] = args.dtype_policy
    return schedule


def read_results(folder):
    """The ``results.json`` of a results folder, or a ``FileNotFoundError`` that says how to
    make one."""
    path = os.path.join(folder, "results.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no results.json in {folder}: run the reproduction script "
                                "(examples/reproduce_mnist.py or reproduce_cifar10.py) first.")
    with open(path) as f:
        return json.load(f)


def write_report(out, payload, lines):
    """Write ``out/results.json`` (``payload``) and ``out/results.md`` (``lines`` joined),
    each atomically, creating ``out``; returns the markdown. The analysis scripts in
    ``research/`` report through this."""
    from lsa_keras.utils.atomic import write_text_atomically

    os.makedirs(out, exist_ok=True)
    write_text_atomically(os.path.join(out, "results.json"), json.dumps(payload, indent=2) + "\n")
    markdown = "\n".join(lines)
    write_text_atomically(os.path.join(out, "results.md"), markdown)
    return markdown


def write_results(out, dataset, schedule, seed, class_results, data_note=None):
    """Merge ``{class: result}`` into ``out/results.json`` and rewrite ``out/results.md``.

    A class already in the file is replaced only if it was run with the same schedule; mixing
    schedules in one table would make its mean meaningless, so that raises instead.
    """
    import keras

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "results.json")
    previous = {}
    if os.path.isfile(path):
        with open(path) as f:
            previous = json.load(f)
        if previous.get("schedule") not in (None, schedule) or previous.get("weight_seed") not in (None, seed):
            raise ValueError(
                f"{path} holds results of another schedule/seed ({previous.get('schedule')}, seed "
                f"{previous.get('weight_seed')}); write to another --out folder."
            )
    per_class = previous.get("classes", {})
    # Classes of one table may run on different machines: each names its processor.
    processor = machine.processor_label()
    per_class.update({str(c): {"processor": processor, **r} for c, r in class_results.items()})
    per_class = dict(sorted(per_class.items(), key=lambda kv: int(kv[0])))
    results = {
        "dataset": dataset, "data": data_note or DATA_NOTES[dataset], "protocol_seed": 30101990,
        "classes": per_class, "schedule": schedule, "weight_seed": seed,
        "backend": keras.backend.backend(),
        "machine": {**machine.describe(), "keras": keras.__version__},
    }
    for key in ("auroc_llk", "auroc_rec", "auroc_ns"):
        results[f"mean_{key}"] = sum(r[key] for r in per_class.values()) / len(per_class)
    write_text_atomically(path, json.dumps(results, indent=2) + "\n")
    write_text_atomically(os.path.join(out, "results.md"), results_markdown(results))
    return results


def results_markdown(results):
    dataset = results["dataset"]
    done = results["classes"]
    paper = PAPER_NS[dataset]
    lines = [
        f"# {dataset}: one-class AUROC ({results['data']})", "",
        f"Schedule: {results['schedule']}; weight seed {results['weight_seed']}; backend "
        f"{results['backend']}; machine {results['machine']['platform']}, "
        f"{machine.processor_label(results['machine'])}, "
        f"{results['machine']['cpus']} CPUs (this run's; each class's processor is in "
        f"results.json).", "",
        "| class | LLK | REC | NS | paper NS | NS - paper | best epoch | train s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c, r in done.items():
        lines.append(
            f"| {c} | {r['auroc_llk']:.3f} | {r['auroc_rec']:.3f} | {r['auroc_ns']:.3f} | "
            f"{paper[int(c)]:.3f} | {r['auroc_ns'] - paper[int(c)]:+.3f} | {r['best_epoch']} | "
            f"{r['seconds']:.0f} |"
        )
    paper_mean = sum(paper[int(c)] for c in done) / len(done)
    classes = "1 class" if len(done) == 1 else f"{len(done)} classes"
    lines.append(
        f"| mean ({classes}) | {results['mean_auroc_llk']:.3f} | "
        f"{results['mean_auroc_rec']:.3f} | {results['mean_auroc_ns']:.3f} | {paper_mean:.3f} | "
        f"{results['mean_auroc_ns'] - paper_mean:+.3f} | | |"
    )
    if len(done) == 10:
        llk, rec, ns = PAPER_MEANS[dataset]
        lines += ["", f"Paper means (LLK / REC / NS): {llk:.3f} / {rec:.3f} / {ns:.3f}."]
    return "\n".join(lines) + "\n"


def main(dataset, argv, defaults=None, prepare=None, data_note=None):
    """Parse ``argv``, then train, evaluate, save and record each requested class in turn.

    ``defaults`` is the schedule the flags default to; default the zoo recipe's, so the table
    and the pretrained models come from the same training. ``prepare`` (research scripts)
    changes each class's split before training, and ``data_note`` then says what the data is
    in the results files."""
    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import lsa_presets
    from lsa_keras.training import train_one_class

    recipe = lsa_presets.recipe(dataset)
    p = parser(dataset, defaults or recipe["schedule"])
    args = p.parse_args(argv)
    bad = [c for c in args.classes if not 0 <= c <= 9]
    if bad:
        p.error(f"classes must be in 0..9, got {bad}")
    schedule = schedule_of(args)
    data_note = data_note or DATA_NOTES[dataset]
    for c in args.classes:
        print(f"== {dataset} class {c}", flush=True)
        data = load_one_class(dataset, c, args.data_dir)
        if prepare is not None:
            data = prepare(data)
        checkpoints = os.path.join(args.checkpoints or os.path.join(args.out, "checkpoints"),
                                   f"{dataset}-{c}")
        # The checkpoints' settings, as runs before this flow wrote them (they still resume).
        settings = {"architecture": dataset, "normal_class": c, "n_train": len(data["x_train"]),
                    "batch_size": args.batch_size, "learning_rate": args.learning_rate,
                    "schedule": args.schedule, "seed": args.seed}
        if args.initialization != "torch":
            settings["initialization"] = args.initialization
        if args.augmentation != "none":
            settings["augmentation"] = args.augmentation
        if args.dtype_policy != "float32":
            settings["dtype_policy"] = args.dtype_policy
        trace = TestAurocTrace(data, args.eval_every) if args.eval_every else None
        model_dir = None if args.no_save else os.path.join(args.out, "models", f"{dataset}-{c}")
        jit = JIT_COMPILE[args.jit_compile]
        _, trained = train_one_class(
            data, checkpoints, {**schedule, "jit_compile": jit} if jit != "auto" else schedule,
            seed=args.seed, settings=settings, model_dir=model_dir,
            calibration_fpr=recipe["calibration"]["fpr"], initialization=args.initialization,
            callbacks=[trace] if trace else None, checkpoint_interval=args.checkpoint_every,
            metadata={"name": f"{dataset}-{c}", "data": data_note})
        trained.pop("metadata")
        result = {k: trained.pop(k) for k in ("auroc_llk", "auroc_rec", "auroc_ns")}
        result.update(trained)
        if jit != "auto":
            result["jit_compile"] = jit
        if trace:
            result["trace"] = trace.trace
        print(json.dumps({k: v for k, v in result.items() if k not in ("trace", "history")}),
              flush=True)
        write_results(args.out, dataset, schedule, args.seed, {c: result}, data_note)
    return 0
