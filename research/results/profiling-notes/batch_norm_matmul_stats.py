"""Training batch normalisation with its statistics and gradient sums as matrix products (a custom gradient) against the package's fused layer, under XLA, batch 128.

    PYTHONPATH=. python research/results/profiling-notes/batch_norm_matmul_stats.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.layers.batch_norm import BatchNorm
B = 128
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
def colsum(a):  # (M, K) -> (K,) via matmul
    return tf.reshape(tf.matmul(tf.ones((1, a.shape[0]), a.dtype), a), (-1,))
def make_mm_bn(g, b, eps=1e-5):
    @tf.custom_gradient
    def bn(x):
        shape = x.shape; c = shape[-1]; M = int(np.prod(shape[:-1]))
        x2 = tf.reshape(x, (M, c))
        s = colsum(tf.concat([x2, x2 * x2], 1))
        mean = s[:c] / M; var = s[c:] / M - mean * mean
        inv = tf.math.rsqrt(var + eps)
        xhat = (x2 - mean) * inv
        y = xhat * g + b
        def grad(dy, variables=None):
            dy2 = tf.reshape(dy, (M, c))
            t = colsum(tf.concat([dy2, dy2 * xhat], 1))
            dbeta, dgamma = t[:c], t[c:]
            dx = (g * inv / M) * (M * dy2 - dbeta - xhat * dgamma)
            return tf.reshape(dx, shape), [dgamma, dbeta]
        return tf.reshape(y, shape), grad
    return bn
for shape in [(28, 28, 16), (14, 14, 32), (7, 7, 64)]:
    x = tf.constant(rng.rand(B, *shape).astype("float32") * 2 - 0.5)
    c = shape[-1]
    g = tf.Variable(rng.rand(c).astype("float32") + 0.5); b = tf.Variable(rng.rand(c).astype("float32"))
    ours = BatchNorm(momentum=0.9, epsilon=1e-5); ours.build(x.shape); ours.gamma.assign(g); ours.beta.assign(b)
    mmbn = make_mm_bn(g, b)
    variants = {"ours(fused)": (lambda x: ours(x, training=True), ours.trainable_variables), "mm": (mmbn, [g, b])}
    outs = {}
    for name, (fn, vs) in variants.items():
        def stepf():
            with tf.GradientTape() as t:
                t.watch(x); y = fn(x); l = tf.reduce_sum(tf.nn.leaky_relu(y, 0.01) * x)
            return [y] + t.gradient(l, vs + [x])
        step = tf.function(stepf, jit_compile=True)
        outs[name] = [o.numpy() for o in step()]
        print(f"{shape} {name:12s} XLA fwd+grad {timeit(lambda: step()[1:]):6.2f} ms", flush=True)
    for a, bb in zip(outs["ours(fused)"], outs["mm"]):
        print("  maxdiff", float(np.abs(a - bb).max()), float(np.abs(a).max()))
