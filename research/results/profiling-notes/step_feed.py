"""Does the way fit feeds the batches cost training speed? The MNIST model at batch 128 on one
class of the real data, in one process, after a warm-up: (a) fit on the reproduction's
``EpochOrder`` (a PyDataset), (b) fit on a tf.data pipeline of the same arrays, (c) the
compiled train function called step by step on one batch already in a tensor.

    python research/results/profiling-notes/step_feed.py [--jit-compile] [--rounds 2]
"""

import argparse
import json
import sys
import time


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jit-compile", action="store_true")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--data-dir", default="../shared/datasets")
    args = p.parse_args(argv)

    import keras
    import tensorflow as tf

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import LSA
    from lsa_keras.training.resumable import EpochOrder, model_input

    data = load_one_class("mnist", 8, args.data_dir)
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=args.jit_compile)
    x = model_input(model, data["x_train"], "x")
    order = EpochOrder(x, 128, 0)
    options = tf.data.Options()
    options.autotune.enabled = False
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(128).with_options(options)
    steps = order.steps
    model.fit(order, epochs=1, steps_per_epoch=steps, verbose=0)
    model.fit(dataset, epochs=1, verbose=0)
    batch = tf.constant(x[:128])
    ones = iter(tf.data.Dataset.from_tensors(batch).repeat())
    model.train_function(ones)
    out = {"jit_compile": args.jit_compile, "samples": len(x), "pydataset": [], "tf_data": [],
           "train_function": []}
    now = time.perf_counter
    for _ in range(args.rounds):
        t = now()
        model.fit(order, epochs=1, steps_per_epoch=steps, verbose=0)
        out["pydataset"].append(round(len(x) / (now() - t), 1))
        t = now()
        model.fit(dataset, epochs=1, verbose=0)
        out["tf_data"].append(round(len(x) / (now() - t), 1))
        t = now()
        for _ in range(steps):
            logs = model.train_function(ones)
        keras.ops.convert_to_numpy(logs["loss"])
        out["train_function"].append(round(steps * 128 / (now() - t), 1))
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
