"""CIFAR-10 training throughput on the TensorFlow backend: XLA or not, float32 or mixed
bfloat16, fresh model each time, the variants alternated in one process so that they share the
machine's conditions. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/cifar_train_variants.py [rounds]
"""

import sys
import time

import keras
import numpy as np

from lsa_keras import LSA

VARIANTS = [(True, "float32"), (False, "float32"), (False, "mixed_bfloat16"),
            (True, "mixed_bfloat16")]


def main(rounds=2, batch=256, steps=4):
    x = np.random.RandomState(0).rand(batch * steps, 32, 32, 3).astype("float32")
    for r in range(rounds):
        for jit, policy in VARIANTS:
            keras.utils.set_random_seed(0)
            model = LSA.from_architecture("cifar10", dtype=policy)
            model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=jit)
            start = time.perf_counter()
            model.fit(x[: batch], batch_size=batch, epochs=1, verbose=0)
            first = time.perf_counter() - start
            start = time.perf_counter()
            model.fit(x, batch_size=batch, epochs=1, verbose=0)
            rate = len(x) / (time.perf_counter() - start)
            print(f"round {r} jit={jit} {policy}: first fit (1 step) {first:.1f} s, then "
                  f"{rate:.1f} samples/s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
