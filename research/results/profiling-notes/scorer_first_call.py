"""Cost of the first scoring call on a fresh (tiny) model: the compiled scorer with XLA, an
eager call, and the scorer's graph without XLA. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/scorer_first_call.py

Measured 2026-11-29 on the 2-core CPU, nothing else running, 20 images: XLA scorer 2.7 / 2.9 s,
eager 0.4 / 0.1 s, graph without XLA 1.2 / 1.0 s. Every test that scores a fresh model pays the
first of these, which is part of why the TensorFlow test stage grew from 9m46s to 16m40s.
"""

import time

from lsa_keras import scoring
from lsa_keras.losses import per_sample_losses
from tests.helpers import mnist_like, tiny_lsa


def main():
    x = mnist_like(20)
    for _ in range(2):
        model = tiny_lsa()
        start = time.perf_counter()
        scoring.per_sample_scores(model, x)
        xla = time.perf_counter() - start
        model = tiny_lsa()
        start = time.perf_counter()
        per_sample_losses(x, model(x, training=False))
        eager = time.perf_counter() - start
        model = tiny_lsa()
        scorer = scoring.scorer(model)
        scorer.compile(jit_compile=False)
        start = time.perf_counter()
        scorer.predict(x, verbose=0)
        graph = time.perf_counter() - start
        print(f"XLA scorer {xla:.1f} s, eager {eager:.1f} s, graph without XLA {graph:.1f} s")


if __name__ == "__main__":
    main()
