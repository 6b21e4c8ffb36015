"""The GPU run: throughput next to the PyTorch peer, one MNIST class at the recipe, and the
whole zoo's training time estimated from them; ready for whichever GPU a session is lent.

    python research/gpu_benchmark.py --data-dir DATA --out OUT [--torch-reference PATH]

It does, in this order, writing ``OUT/gpu_benchmark.json`` and ``OUT/gpu_benchmark.md`` after
each part (so a run cut short keeps what it finished):

1. **peer**: ``torch_reference.py --device cuda`` (the authors' way of building the model, in
   PyTorch; default ``../shared/bench/torch_reference.py``) for each model at ``--batch``,
   run before Keras starts so that the two never share the GPU's memory.
2. **throughput**: for each model (``--models``, default mnist cifar10) and dtype policy
   (``--policies``, default float32 mixed_bfloat16), training samples/s (steps alone, median of
   ``--repeats`` timings after a compiling fit) and scoring images/s on random images, with
   ``jit_compile="auto"``: XLA on a GPU, under TensorFlow and JAX alike (the backend is
   ``KERAS_BACKEND``'s; the output names it and whether XLA ran).
3. **class**: MNIST class ``--normal-class`` (default 8) trained to the zoo recipe (120 epochs,
   batch 128, cosine decay, a checkpoint every epoch, the lowest validation loss) through
   :func:`lsa_keras.training.train_one_class` on the original MNIST in ``DATA/mnist``, then
   calibrated and scored on the test set: AUROCs, ``train_s`` (the training flow's own
   seconds, as the reproduction table's "train s") and the wall time of the whole call.
4. **zoo estimate**: ten MNIST classes = the class's wall time scaled by the training images of
   all ten (54,000) over the class's; ten CIFAR-10 classes = 10 x 40 epochs x 4,500 images at
   the float32 training throughput of part 2 (batch ``--batch``), plus the MNIST class's time
   outside training steps scaled to 40 epochs. An estimate, with its formula in the output.

``--shrink`` runs the same code at toy sizes on any machine (batch 4, 2 steps, one timing; the
class on the MNIST sample that ships with lsa_keras, one epoch of two batches; the peer on the
CPU): the test suite runs it so that the script works when a GPU is lent.

Output (``gpu_benchmark.json``; the markdown shows the same):

- ``machine``: ``gpus`` (``nvidia-smi``'s name and memory per GPU; empty without one),
  ``backend``, ``keras``, ``processor``, ``cpus``; ``args``: the command line's settings;
  ``shrink``: whether the sizes were the toy ones.
- ``peer``: ``{model: {"train_samples_per_s", "score_samples_per_s", "device", ...}}``.
- ``throughput``: one row per model and policy: ``model``, ``dtype_policy``, ``batch``,
  ``train_samples_per_s``, ``score_samples_per_s`` (medians), ``train_runs``, ``score_runs``,
  ``jit_compile`` (whether training ran through XLA), ``runs`` (how each was executed),
  ``train_ratio`` and ``score_ratio`` (to the peer's float32 run of that model).
- ``class``: ``normal_class``, ``schedule``, ``n_train``, ``epochs``, ``best_epoch``,
  ``train_s``, ``wall_s``, ``auroc_llk``, ``auroc_rec``, ``auroc_ns``.
- ``zoo_estimate``: ``mnist_s``, ``cifar10_s``, ``total_s``, ``formula``.
- ``seconds``: wall time of each part and of the whole run.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

# Before TensorFlow or JAX start: take GPU memory as needed, not all of it up front.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
choose_tensorflow_settings()  # as the lsa-keras command does

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lab  # noqa: E402,F401  (puts examples/ on sys.path)
from benchmark import TORCH_REFERENCE, measure, run_torch_reference  # noqa: E402
MNIST_TRAIN_IMAGES = 54_000  # the ten classes' training images: 90% of MNIST's 60,000
CIFAR10_CLASS_IMAGES, CIFAR10_EPOCHS = 4_500, 40  # a class's training split; the recipe's epochs
FULL = {"batch": 256, "steps": 20, "repeats": 3}
SHRUNK = {"batch": 4, "steps": 2, "repeats": 1}


def gpus():
    """``[{"name", "memory"}]`` of the GPUs ``nvidia-smi`` lists; empty without it."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [dict(zip(("name", "memory"), (p.strip() for p in line.split(",", 1))))
            for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


def throughput_rows(models, policies, sizes, peer):
    rows = []
    for model in models:
        for policy in policies:
            row = {"model": model, "dtype_policy": policy, "batch": sizes["batch"],
                   **measure(model, sizes["batch"], sizes["steps"], repeats=sizes["repeats"],
                             dtype_policy=policy)}
            ref = peer.get(model)
            if ref:
                for key in ("train", "score"):
                    row[f"{key}_ratio"] = round(
                        row[f"{key}_samples_per_s"] / ref[f"{key}_samples_per_s"], 2)
            rows.append(row)
    return rows


def train_class(normal_class, data_dir, shrink):
    """One MNIST class through the training flow at the recipe (toy sizes with ``shrink``)."""
    import tempfile

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import lsa_presets
    from lsa_keras.training import train_one_class

    recipe = lsa_presets.recipe("mnist")
    schedule = dict(recipe["schedule"])
    if shrink:
        data = load_one_class("mnist-sample", normal_class)
        schedule.update(epochs=1, batch_size=8, steps_per_epoch=2)
    else:
        data = load_one_class("mnist", normal_class, data_dir)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as checkpoints:
        _, result = train_one_class(data, checkpoints, schedule, seed=recipe["weight_seed"],
                                    calibration_fpr=recipe["calibration"]["fpr"], verbose=2)
    return {"normal_class": normal_class, "dataset": data["dataset"], "schedule": schedule,
            "n_train": result["n_train"], "epochs": result["epochs"],
            "best_epoch": result["best_epoch"], "train_s": result["seconds"],
            "wall_s": round(time.perf_counter() - start, 1),
            **{k: round(result[k], 4) for k in ("auroc_llk", "auroc_rec", "auroc_ns")}}


def zoo_estimate(cls, rows):
    """Seconds to train the ten-class MNIST and CIFAR-10 zoos, estimated (see the module's
    docstring); None where a needed part is missing."""
    if not cls:
        return None
    mnist = cls["wall_s"] * MNIST_TRAIN_IMAGES / cls["n_train"]
    cifar = [r for r in rows if r["model"] == "cifar10" and r["dtype_policy"] == "float32"]
    out = {"mnist_s": round(mnist), "cifar10_s": None, "total_s": None,
           "formula": "mnist: class wall_s x 54,000 / class n_train; cifar10: 10 x (40 epochs x "
                      "4,500 images / float32 training samples/s + the MNIST class's time "
                      "outside its steps x 40 / its epochs)"}
    if cifar:
        steps_s = cls["n_train"] * cls["epochs"] / _mnist_train_rate(rows, cls)
        outside = max(cls["wall_s"] - steps_s, 0.0) * CIFAR10_EPOCHS / cls["epochs"]
        per_class = CIFAR10_EPOCHS * CIFAR10_CLASS_IMAGES / cifar[0]["train_samples_per_s"] + outside
        out["cifar10_s"] = round(10 * per_class)
        out["total_s"] = out["mnist_s"] + out["cifar10_s"]
    return out


def _mnist_train_rate(rows, cls):
    mnist = [r for r in rows if r["model"] == "mnist" and r["dtype_policy"] == "float32"]
    if mnist:
        return mnist[0]["train_samples_per_s"]
    # Without a throughput row, count the whole class as training steps.
    return cls["n_train"] * cls["epochs"] / cls["wall_s"]


def markdown(report):
    m = report["machine"]
    gpu = ", ".join(f"{g['name']} ({g['memory']})" for g in m["gpus"]) or "no GPU"
    lines = [f"# GPU run{' (shrunk: toy sizes)' if report['shrink'] else ''}", "",
             f"{gpu}; backend {m['backend']} (Keras {m['keras']}); {m['processor']}, "
             f"{m['cpus']} CPUs.", "",
             "| model | dtype policy | batch | train samples/s | x peer | score images/s | x peer | "
             "training runs as |", "|---|---|---|---|---|---|---|---|"]
    for r in report["throughput"]:
        lines.append(f"| {r['model']} | {r['dtype_policy']} | {r['batch']} | "
                     f"{r['train_samples_per_s']} | {r.get('train_ratio', '-')} | "
                     f"{r['score_samples_per_s']} | {r.get('score_ratio', '-')} | {r['runs']} |")
    for model, p in report["peer"].items():
        lines.append(f"| {model}: PyTorch peer ({p.get('device')}) | float32 | {p.get('batch')} | "
                     f"{p['train_samples_per_s']} | | {p['score_samples_per_s']} | | |")
    c = report.get("class")
    if c:
        epochs = f"{c['epochs']} epoch" + ("s" if c["epochs"] != 1 else "")
        steps = c["schedule"].get("steps_per_epoch")
        lines += ["", f"MNIST class {c['normal_class']} ({c['dataset']}), {epochs} "
                  + (f"of at most {steps} batches" if steps else f"of {c['n_train']} images")
                  + f": train {c['train_s']} s, whole call {c['wall_s']} s, "
                  f"best epoch {c['best_epoch']}; AUROC LLK {c['auroc_llk']}, REC "
                  f"{c['auroc_rec']}, NS {c['auroc_ns']}."]
    z = report.get("zoo_estimate")
    if z:
        parts = [f"MNIST {z['mnist_s']} s"] + ([f"CIFAR-10 {z['cifar10_s']} s",
                                                 f"total {z['total_s']} s"]
                                                if z["cifar10_s"] is not None else
                                                ["CIFAR-10 not estimated (no CIFAR-10 row)"])
        lines += ["", f"Zoo estimate: {', '.join(parts)} ({z['formula']})."]
    lines += ["", "Seconds: " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items()) + "."]
    return "\n".join(lines) + "\n"


def write(out, report):
    from lsa_keras.utils.atomic import write_text_atomically

    os.makedirs(out, exist_ok=True)
    write_text_atomically(os.path.join(out, "gpu_benchmark.json"), json.dumps(report, indent=2) + "\n")
    write_text_atomically(os.path.join(out, "gpu_benchmark.md"), markdown(report))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=os.environ.get("LSA_KERAS_DATA_DIR"),
                   help="folder holding mnist/ (the IDX files); not needed with --shrink")
    p.add_argument("--out", required=True)
    p.add_argument("--torch-reference", default=TORCH_REFERENCE)
    p.add_argument("--models", nargs="+", default=["mnist", "cifar10"])
    p.add_argument("--policies", nargs="+", default=["float32", "mixed_bfloat16"])
    p.add_argument("--normal-class", type=int, default=8)
    p.add_argument("--skip-class", action="store_true", help="leave out part 3 (and the estimate)")
    p.add_argument("--shrink", action="store_true", help="toy sizes, for testing on any machine")
    args = p.parse_args(argv)
    if not args.shrink and not args.skip_class and not args.data_dir:
        p.error("--data-dir (a folder with mnist/) is needed to train the class; or --shrink")
    if not os.path.isfile(args.torch_reference):
        p.error(f"no PyTorch peer at {args.torch_reference}; pass --torch-reference")
    sizes = SHRUNK if args.shrink else FULL
    started = time.perf_counter()
    from machine import describe

    cpu = describe()
    report = {"machine": {"gpus": gpus(), "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
                          "keras": None, "processor": cpu.get("processor"), "cpus": cpu.get("cpus")},
              "args": vars(args), "shrink": args.shrink, "peer": {}, "throughput": [],
              "class": None, "zoo_estimate": None, "seconds": {}}
    device = "cuda" if report["machine"]["gpus"] and not args.shrink else "cpu"
    t = time.perf_counter()
    for model in args.models:
        report["peer"][model] = run_torch_reference(model, sizes["batch"], sizes["steps"],
                                                    device, args.torch_reference)
    report["seconds"]["peer"] = round(time.perf_counter() - t, 1)

    import keras

    report["machine"]["backend"], report["machine"]["keras"] = keras.backend.backend(), keras.__version__
    write(args.out, report)
    t = time.perf_counter()
    report["throughput"] = throughput_rows(args.models, args.policies, sizes, report["peer"])
    report["seconds"]["throughput"] = round(time.perf_counter() - t, 1)
    write(args.out, report)
    if not args.skip_class:
        t = time.perf_counter()
        report["class"] = train_class(args.normal_class, args.data_dir, args.shrink)
        report["seconds"]["class"] = round(time.perf_counter() - t, 1)
        report["zoo_estimate"] = zoo_estimate(report["class"], report["throughput"])
    report["seconds"]["total"] = round(time.perf_counter() - started, 1)
    write(args.out, report)
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
