"""Does the data a training step sees change its speed? The MNIST model at batch 128 under
XLA, one process, one compiled train function, alternated rounds of 12 steps each: (a) one
batch of uniform random pixels, (b) one batch of real MNIST class-8 training images, both
already in a tensor, (c) the reproduction's feed (``EpochOrder.as_dataset``, real images in
each epoch's order), (d) the same batches with only the indices from Python and the images
gathered in the tf.data graph (``tf.gather`` from one tensor of the class's images). Also
the process's CPU seconds per wall second in each.

    PYTHONPATH=. python research/results/profiling-notes/step_data_ab.py [--rounds 4] [--data-dir ../shared/datasets]
"""

import argparse
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def gathered(order, x):
    """``order.as_dataset`` with the images gathered in the graph."""
    import numpy as np
    import tensorflow as tf

    images = tf.constant(x)

    def indices(i):
        epoch, step = i // order.steps, i % order.steps
        return order.order(epoch)[step * order.batch_size:(step + 1) * order.batch_size]

    def batch(index):
        at = tf.numpy_function(lambda i: indices(int(i)).astype(np.int64), [index], tf.int64,
                               stateful=False)
        return tf.gather(images, tf.ensure_shape(at, (None,)))

    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.range(10**6).map(batch).prefetch(1).with_options(options)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--data-dir", default="../shared/datasets")
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")

    import keras
    import numpy as np
    import tensorflow as tf

    from lsa_keras.datasets import load_one_class
    from lsa_keras.models.lsa import LSA
    from lsa_keras.training.resumable import EpochOrder, model_input
    from step_timing import wait_for

    data = load_one_class("mnist", 8, args.data_dir)
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=True)
    x = model_input(model, data["x_train"], "x")
    order = EpochOrder(x, 128, 0)
    random = np.random.RandomState(0).rand(128, 28, 28, 1).astype("float32")
    feeds = {
        "random": iter(tf.data.Dataset.from_tensors(tf.constant(random)).repeat()),
        "mnist": iter(tf.data.Dataset.from_tensors(tf.constant(x[:128])).repeat()),
        "feed": iter(order.as_dataset(10**6).filter(lambda b: tf.shape(b)[0] == 128)),
        "gather": iter(gathered(order, x).filter(lambda b: tf.shape(b)[0] == 128)),
    }
    model.make_train_function()
    for it in feeds.values():
        wait_for(model.train_function(it)["loss"])

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    got = {k: [] for k in feeds}
    for rnd in range(args.rounds):
        for name, it in feeds.items():
            c, t = cpu(), time.perf_counter()
            for _ in range(12):
                v = model.train_function(it)["loss"]
            wait_for(v)
            wall = time.perf_counter() - t
            got[name].append(wall / 12 * 1000)
            print(f"round {rnd} {name}: {wall / 12 * 1000:.1f} ms a step, "
                  f"{(cpu() - c) / wall:.2f} CPU s a wall second", flush=True)
    for name, values in got.items():
        print(f"{name}: median {statistics.median(values):.1f} ms a step "
              f"({', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    sys.exit(main())
