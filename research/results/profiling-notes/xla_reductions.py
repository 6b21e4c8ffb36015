"""Per-channel reductions of (128, h, w, c) activations with and without XLA: plain, with a fused square, two-stage, as a matmul.

    python research/results/profiling-notes/xla_reductions.py"""
import functools, os, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=30)
for shape in [(128, 28, 28, 16), (128, 14, 14, 32)]:
    x = tf.constant(np.random.rand(*shape).astype("float32"))
    c = shape[-1]; M = int(np.prod(shape[:-1]))
    variants = {
        "reduce_sum 0,1,2": lambda: tf.reduce_sum(x, [0, 1, 2]),
        "sum+sumsq": lambda: tf.reduce_sum(x, [0, 1, 2]) + tf.reduce_sum(x * x, [0, 1, 2]),
        "two-stage P=64": lambda: tf.reduce_sum(tf.reduce_sum(tf.reshape(x, (64, M // 64, c)), 1), 0),
        "two-stage sum+sq": lambda: tf.reduce_sum(tf.reduce_sum(tf.reshape(x, (64, M // 64, c)), 1) + tf.reduce_sum(tf.reshape(x * x, (64, M // 64, c)), 1), 0),
        "matmul ones": lambda: tf.matmul(tf.ones((1, M)), tf.reshape(x, (M, c))),
        "elementwise x*2+1": lambda: tf.reduce_sum(x * 2.0 + 1.0, [1, 2])[0],
    }
    for name, f in variants.items():
        ms = timeit(tf.function(f, jit_compile=True))
        ms2 = timeit(tf.function(f))
        print(f"{shape} {name:18s} XLA {ms:6.2f} ms  graph {ms2:6.2f} ms  ({M*c*4/ms/1e6:.1f} GB/s XLA)", flush=True)
