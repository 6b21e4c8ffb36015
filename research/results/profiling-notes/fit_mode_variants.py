"""Which setting removes the slow mode of TensorFlow training throughput (`fit_time_modes.py`)?
Each variant runs in a fresh process: the MNIST LSA (XLA, batch 256), one compiling fit, then
six identical fits of 10 steps of random images, printing samples/s of each.

    PYTHONPATH=. python examples/results/profiling-notes/fit_mode_variants.py [variant ...]

Variants: ``baseline``; ``inter_op1`` (one inter-op thread); ``spe10`` (steps_per_execution
10: one XLA call runs all 10 steps); ``tfdata`` (a cached tf.data pipeline of batches instead
of the numpy array); ``intra2_inter1``.
"""

import os
import subprocess
import sys
import time

VARIANTS = ("baseline", "inter_op1", "spe10", "tfdata", "intra2_inter1")


def run(variant, repeats=6):
    import keras
    import numpy as np
    import tensorflow as tf

    if variant in ("inter_op1", "intra2_inter1"):
        tf.config.threading.set_inter_op_parallelism_threads(1)
    if variant == "intra2_inter1":
        tf.config.threading.set_intra_op_parallelism_threads(2)
    from lsa_keras import LSA

    x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile(steps_per_execution=10 if variant == "spe10" else 1)
    data = x
    if variant == "tfdata":
        data = tf.data.Dataset.from_tensor_slices(x).batch(256).cache().prefetch(2)
    kwargs = {} if variant == "tfdata" else {"batch_size": 256, "shuffle": False}
    model.fit(data, epochs=1, verbose=0, **kwargs)  # compile
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(data, epochs=1, verbose=0, **kwargs)
        rates.append(len(x) / (time.perf_counter() - start))
    print(f"{variant}: " + ", ".join(f"{r:.1f}" for r in rates) + " samples/s", flush=True)


def main(variants):
    for v in variants:
        subprocess.run([sys.executable, __file__, "--one", v], check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run(sys.argv[2])
    else:
        main(sys.argv[1:] or VARIANTS)
