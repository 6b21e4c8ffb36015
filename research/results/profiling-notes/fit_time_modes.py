"""Repeated identical ``fit`` calls of the MNIST LSA (TensorFlow backend, XLA, batch 256,
10 steps of random images each) in one process, to show the spread of training throughput.

    python examples/results/profiling-notes/fit_time_modes.py

Measured 2026-11-29 on the 2-core CPU (the background training job paused with SIGSTOP):
248.4, 353.0, 364.5, 249.1, 248.5, 248.9 samples/s. The throughput has two modes, one
near 249 samples/s (about 1.03 s a step, to within 0.3% every time) and one near 360, with
nothing changed in between. Every TensorFlow training number measured on this machine so far
falls in one of the two modes, so a single fit is not enough to compare two variants: repeat
and compare the modes. Finding what causes the slow mode (thread placement of the input
pipeline against XLA's two compute threads is the first suspect) is worth up to 1.45x.
"""

import time

import keras
import numpy as np

from lsa_keras import LSA


def main(repeats=6):
    x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
    keras.utils.set_random_seed(0)
    model = LSA.from_architecture("mnist")
    model.compile()
    model.fit(x[:512], batch_size=256, epochs=1, verbose=0)  # compile
    for i in range(repeats):
        start = time.perf_counter()
        model.fit(x, batch_size=256, epochs=1, verbose=0, shuffle=False)
        print(f"fit {i}: {len(x) / (time.perf_counter() - start):.1f} samples/s", flush=True)


if __name__ == "__main__":
    main()
