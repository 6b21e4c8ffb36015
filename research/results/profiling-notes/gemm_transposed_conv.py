"""The up blocks' 5x5 stride-2 transposed convolution and its crop (what training runs) against
the same function as one matmul (every input pixel times the whole kernel, ``(b*h*w, ci) @
(ci, 25*co)``) followed by a col2im of shifted slices, forward and with gradients, medians of 8
calls as ``tf.function`` graphs, at the CIFAR-10 and MNIST decoders' shapes, batch 256. Run
from the repository root:

    python examples/results/profiling-notes/gemm_transposed_conv.py
"""
import os, sys, time
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np, tensorflow as tf
from keras import ops
import lsa_keras  # the package's allocator setting

def current(x, k):  # k: (5,5,co,ci) transposed kernel
    y = ops.conv_transpose(x, k, strides=2, padding="valid")
    b, h, w, c = ops.shape(y)
    return ops.slice(y, [0, 2, 2, 0], [b, h - 3, w - 3, c])

def gemm(x, k):
    b, h, w, ci = x.shape
    co = k.shape[2]
    km = ops.reshape(ops.transpose(k, (3, 0, 1, 2)), (ci, 25 * co))
    y = ops.reshape(ops.matmul(ops.reshape(x, (-1, ci)), km), (-1, h, w, 5, 5, co))
    n = ops.shape(y)[0]
    yp = ops.pad(y, [(0, 0), (1, 1), (0, 0), (0, 0), (0, 0), (0, 0)])
    def r(p, s):
        return ops.slice(yp, [0, 2 - s, 0, p, 0, 0], [n, h, w, 1, 5, co])
    rows = ops.stack([r(0, 0) + r(2, 1) + r(4, 2), r(1, 0) + r(3, 1)], 2)  # (n,h,2,w,1,5,co)
    rows = ops.reshape(rows, (-1, 2 * h, w, 5, co))
    rp = ops.pad(rows, [(0, 0), (0, 0), (1, 1), (0, 0), (0, 0)])
    def c(q, s):
        return ops.slice(rp, [0, 0, 2 - s, q, 0], [n, 2 * h, w, 1, co])
    cols = ops.stack([c(0, 0) + c(2, 1) + c(4, 2), c(1, 0) + c(3, 1)], 3)  # (n,2h,w,2,1,co)
    return ops.reshape(cols, (-1, 2 * h, 2 * w, co))

def bench(fn, x, k, grad, n=8):
    xv, kv = tf.constant(x), tf.Variable(k)
    @tf.function
    def f():
        if not grad:
            return tf.reduce_sum(fn(xv, kv))
        with tf.GradientTape() as t:
            t.watch(xv); s = tf.reduce_sum(fn(xv, kv) ** 2)
        return t.gradient(s, [xv, kv])
    f(); f()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return 1000 * np.median(ts)

rng = np.random.default_rng(0)
for h, ci, co in [(4, 256, 128), (8, 128, 64), (16, 64, 32), (7, 64, 32), (14, 32, 16)]:
    x = rng.standard_normal((256, h, h, ci)).astype("float32")
    k = (rng.standard_normal((5, 5, co, ci)) * 0.05).astype("float32")
    a, b = np.asarray(current(x, k)), np.asarray(gemm(x, k))
    err = np.abs(a - b).max() / np.abs(a).max()
    res = []
    for grad in (False, True):
        for _ in range(2):
            res.append((grad, bench(current, x, k, grad), bench(gemm, x, k, grad)))
    print((h, ci, co), f"rel err {err:.1e}", " ".join(f"{'grad' if g else 'fwd'} {p:.1f}/{q:.1f}" for g, p, q in res), flush=True)
