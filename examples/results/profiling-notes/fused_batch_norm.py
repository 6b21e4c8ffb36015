"""Scoring throughput with BatchNorm's fused inference path on and off, alternated in one
process (MNIST and CIFAR-10 models, TensorFlow graphs without XLA, batch 256, 2,560 random
images, median of 3 timings per setting and round). Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/fused_batch_norm.py
"""

import statistics
import time

import numpy as np

from lsa_keras import LSA, scoring
from lsa_keras.layers import BatchNorm


def main(batch=256, n=2560, rounds=2):
    fused = BatchNorm._fused_inference
    for arch in ("mnist", "cifar10"):
        model = LSA.from_architecture(arch)
        x = np.random.RandomState(0).rand(n, *model.image_shape).astype("float32")
        for _ in range(rounds):
            for on in (True, False):
                BatchNorm._fused_inference = fused if on else (lambda self, inputs, mask: False)
                model.__dict__.pop("_lsa_scorer", None)
                scoring.per_sample_scores(model, x[:batch], batch)  # trace
                times = []
                for _ in range(3):
                    start = time.perf_counter()
                    scoring.per_sample_scores(model, x, batch)
                    times.append(time.perf_counter() - start)
                print(f"{arch} fused={on}: {n / statistics.median(times):.0f} samples/s", flush=True)
    BatchNorm._fused_inference = fused


if __name__ == "__main__":
    main()
