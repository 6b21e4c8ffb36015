"""Seconds to build, compile (no XLA) and fit one epoch of 2 steps for three tiny LSAs (the tests'
model: code 8), for the lsa_keras on PYTHONPATH; run from REPO_ROOT (imports tests.test_case).
Third session: 5834b0e 16.4 s, c4d5868 18.5 s, e8e83cb 14.9 s.

    cd REPO_ROOT && PYTHONPATH=. python research/results/profiling-notes/tiny_build_time.py"""
import time, numpy as np, keras
import os, sys; sys.path.insert(0, os.getcwd())
from tests.test_case import tiny_lsa, mnist_like
t = time.perf_counter()
for _ in range(3):
    m = tiny_lsa(); m.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    m.fit(mnist_like(16), batch_size=8, epochs=1, verbose=0)
print("3 x tiny build+fit s", round(time.perf_counter() - t, 2))
