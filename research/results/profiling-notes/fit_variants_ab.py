"""Training-step throughput of the reproduction's fit under a few settings, one fresh process
per setting, alternated over rounds.

Each process trains the MNIST model on one class of the real data at the recipe's batch (128)
through ``train_resumable``'s own input (``EpochOrder``), one warm-up epoch then ``--epochs``
timed epochs, and prints the steps' samples/s (first batch's start to last batch's end) and
the whole epoch's seconds (validation included).

    python research/results/profiling-notes/fit_variants_ab.py --variants base xla interop1 --rounds 2
"""

import argparse
import json
import os
import subprocess
import sys
import time

VARIANTS = {
    "base": {},
    "xla": {"jit_compile": True},
    "interop1": {"env": {"TF_NUM_INTEROP_THREADS": "1"}},
    "nobfc": {"env": {"TF_CPU_ALLOCATOR_USE_BFC": "false"}},
    "spe8": {"steps_per_execution": 8},
    "xla_spe8": {"jit_compile": True, "steps_per_execution": 8},
    "xla_tfdata": {"jit_compile": True, "tfdata": True},
}


def child(variant, epochs, data_dir, normal_class):
    import keras
    import numpy as np

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import LSA
    from lsa_keras.training.resumable import EpochOrder, model_input

    spec = VARIANTS[variant]
    data = load_one_class("mnist", normal_class, data_dir)
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=spec.get("jit_compile", "auto"),
                  steps_per_execution=spec.get("steps_per_execution", 1))
    x = model_input(model, data["x_train"], "x")
    xv = model_input(model, data["x_val"], "x_val")
    batches = EpochOrder(x, 128, 0)
    now = time.perf_counter
    marks = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            marks.append({"begin": now()})

        def on_test_begin(self, logs=None):
            marks[-1]["val"] = now()

        def on_epoch_end(self, epoch, logs=None):
            marks[-1]["end"] = now()

    if spec.get("tfdata"):
        import tensorflow as tf

        def epoch_order(e):
            return np.random.default_rng([0, int(e)]).permutation(len(x))
        n = len(x)
        order = tf.data.Dataset.range(1 + epochs).map(
            lambda e: tf.numpy_function(epoch_order, [e], tf.int64)).unbatch()
        xt = tf.constant(x)
        batches_ds = order.batch(128).map(lambda i: tf.gather(xt, i)).prefetch(1)
        steps = -(-n // 128)
    else:
        batches_ds, steps = batches, batches.steps
    model.fit(batches_ds, epochs=1 + epochs, steps_per_epoch=steps, shuffle=False,
              validation_data=(xv,), callbacks=[Timer()], verbose=0)
    timed = marks[1:]
    return {"variant": variant,
            "steps_samples_per_s": [round(len(x) / (m["val"] - m["begin"]), 1) for m in timed],
            "validation_s": [round(m["end"] - m["val"], 2) for m in timed],
            "epoch_s": [round(m["end"] - m["begin"], 2) for m in timed]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=["base", "xla"])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--class", dest="normal_class", type=int, default=0)
    p.add_argument("--data-dir", default="../shared/datasets")
    p.add_argument("--child", default=None)
    args = p.parse_args(argv)
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.epochs, args.data_dir, args.normal_class)))
        return 0
    for r in range(args.rounds):
        for v in args.variants:
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CPU_ALLOCATOR_USE_BFC="true",
                       **VARIANTS[v].get("env", {}))
            out = subprocess.run([sys.executable, __file__, "--child", v, "--epochs", str(args.epochs),
                                  "--data-dir", args.data_dir, "--class", str(args.normal_class)],
                                 env=env, capture_output=True, text=True)
            line = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
            print(f"round {r + 1}: " + (line[0][7:] if line else "FAILED " + out.stderr[-2000:]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
