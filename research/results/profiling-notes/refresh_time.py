"""Seconds of the scorer's refresh (median of 10 calls after a first) on a fresh MNIST LSA, for the
lsa_keras on PYTHONPATH. Third session: 5834b0e 7.0-9.0 ms, f23962f-38eded3 24.3-24.5 ms, c4d5868 9.2-10.9 ms.

    PYTHONPATH=REPO_ROOT python research/results/profiling-notes/refresh_time.py"""
import time, statistics, numpy as np, keras
from lsa_keras import LSA
from lsa_keras.models.lsa import lsa_scorer
m = LSA.from_architecture("mnist")
lsa_scorer.scorer(m); lsa_scorer.refresh(m)
ts = []
for _ in range(10):
    t = time.perf_counter(); lsa_scorer.refresh(m); ts.append((time.perf_counter() - t) * 1000)
print("refresh ms", round(statistics.median(ts), 1))
