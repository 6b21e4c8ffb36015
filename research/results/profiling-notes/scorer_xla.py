"""Does the XLA scorer pay for its compilation? The full MNIST and CIFAR-10 models score
``n`` images with the scorer's graph compiled with and without XLA, fresh model each time (so the
first call includes tracing/compiling), then a second call on the same scorer (steady state).
Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_xla.py
"""

import sys
import time

import numpy as np

from lsa_keras import LSA, scoring


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(archs=("mnist", "cifar10"), n=2000, batch=500):
    for arch in archs:
        model = LSA.from_architecture(arch)
        x = np.random.RandomState(0).rand(n, *model.image_shape).astype("float32")
        for jit in (True, False, True, False):
            object.__setattr__(model, "_lsa_scorer", None)
            model.__dict__.pop("_lsa_scorer", None)
            s = scoring.scorer(model)
            s.compile(jit_compile=jit)
            first = timed(lambda: s.predict(x[:batch], batch_size=batch, verbose=0))
            steady = timed(lambda: s.predict(x, batch_size=batch, verbose=0))
            print(f"{arch} jit={jit}: first call ({batch} images) {first:.1f} s, then {n} "
                  f"images {steady:.2f} s = {n / steady:.0f} images/s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ("mnist", "cifar10"))
