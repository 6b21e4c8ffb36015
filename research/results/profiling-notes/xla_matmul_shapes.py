"""The estimator's matmul shapes at batch 128 with and without XLA (forward, kernel gradient, input gradient), and the 2048^3 peak.

    python research/results/profiling-notes/xla_matmul_shapes.py"""
import functools, os, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
for (m, k, n, ta, tb, what) in [(128, 2048, 2048, False, False, "fwd"), (2048, 128, 2048, True, False, "dW x^T g"), (128, 2048, 2048, False, True, "dX g W^T"), (128, 2048, 6400, False, False, "fwd mfc4 dense"), (2048, 2048, 2048, False, False, "square")]:
    a = tf.constant(np.random.rand(*((k, m) if ta else (m, k))).astype("float32"))
    b = tf.constant(np.random.rand(*((n, k) if tb else (k, n))).astype("float32"))
    for jit in (True, False):
        f = tf.function(lambda: tf.matmul(a, b, transpose_a=ta, transpose_b=tb), jit_compile=jit)
        ms = timeit(f)
        print(f"{what:16s} {m}x{k}x{n} jit={jit!s:5} {ms:7.2f} ms {2*m*k*n/ms/1e6:6.1f} GFLOP/s", flush=True)
