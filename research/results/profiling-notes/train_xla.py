"""Training throughput of the TensorFlow backend with and without XLA, fresh model each time,
both settings alternated in one process so that they share the machine's conditions. Run from
the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/train_xla.py [mnist] [cifar10]
"""

import sys
import time

import keras
import numpy as np

from lsa_keras import LSA


def time_fit(arch, jit, batch, steps, first_steps, dtype=None):
    """A fresh model of ``arch``: seconds of a first (compiling) fit of ``first_steps`` steps,
    then the samples/s of a fit of ``steps`` steps at ``batch``."""
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture(arch, dtype=dtype)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=jit)
    x = np.random.RandomState(0).rand(batch * steps, *model.image_shape).astype("float32")
    start = time.perf_counter()
    model.fit(x[: batch * first_steps], batch_size=batch, epochs=1, verbose=0)
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, batch_size=batch, epochs=1, verbose=0)
    return first, len(x) / (time.perf_counter() - start)


def main(archs, batch=128, steps=12, rounds=2):
    for arch in archs:
        for _ in range(rounds):
            for jit in (True, False):
                first, rate = time_fit(arch, jit, batch, steps, first_steps=2)
                print(f"{arch} jit={jit}: first fit (2 steps) {first:.1f} s, then {rate:.1f} "
                      f"samples/s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ("mnist", "cifar10"))
