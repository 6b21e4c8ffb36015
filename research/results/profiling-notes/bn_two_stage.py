"""Training batch normalisation at batch 128 under XLA, with gradients: the package's fused layer against the batch statistics and the gradient sums as two-stage reductions (per image, then over the batch), with a custom gradient and with autodiff.

    python research/results/profiling-notes/bn_two_stage.py"""
import functools, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, tensorflow as tf, keras
from lsa_keras.layers.batch_norm import BatchNorm
from step_timing import median_ms
timeit = functools.partial(median_ms, n=30)
rng = np.random.RandomState(0)
EPS = 1e-5

def sums(t):  # per-channel sums of (b, h, w, c): per sample first, then over the batch
    return tf.reduce_sum(tf.reduce_sum(t, [1, 2]), 0)

def make_bn(g, b):
    @tf.custom_gradient
    def bn(x, gamma, beta):
        n = tf.cast(tf.size(x) // tf.shape(x)[-1], x.dtype)
        mean = sums(x) / n
        xc = x - mean
        var = sums(xc * xc) / n
        inv = tf.math.rsqrt(var + EPS)
        xhat = xc * inv
        y = xhat * gamma + beta
        def grad(dy):
            dbeta = sums(dy)
            dgamma = sums(dy * xhat)
            dx = (gamma * inv / n) * (n * dy - dbeta - xhat * dgamma)
            return dx, dgamma, dbeta
        return y, grad
    return lambda x: bn(x, g, b)

def make_bn2(g, b):
    # no custom gradient: autodiff of the two-stage form
    def bn(x):
        n = tf.cast(tf.size(x) // tf.shape(x)[-1], x.dtype)
        mean = sums(x) / n
        xc = x - mean
        var = sums(xc * xc) / n
        inv = tf.math.rsqrt(var + EPS)
        return xc * (inv * g) + b
    return bn

for shape in [(28, 28, 16), (14, 14, 32), (7, 7, 64)]:
    x = tf.constant(rng.rand(128, *shape).astype("float32") * 2 - 0.5)
    c = shape[-1]
    g = tf.Variable(np.ones(c, "float32") * 1.3); b = tf.Variable(np.zeros(c, "float32") + .1)
    ours = BatchNorm(momentum=0.9, epsilon=EPS); ours.build(x.shape)
    ours.gamma.assign(g); ours.beta.assign(b)
    variants = {"fused": (lambda x: ours(x, training=True), ours.trainable_variables),
                "custom2stage": (make_bn(g, b), [g, b]), "auto2stage": (make_bn2(g, b), [g, b])}
    res = {}
    for name, (fn, vs) in variants.items():
        @tf.function(jit_compile=True)
        def step():
            with tf.GradientTape() as t:
                t.watch(x); y = fn(x); l = tf.reduce_sum(tf.nn.leaky_relu(y, 0.01) * x)
            return [y] + t.gradient(l, vs + [x])
        res[name] = [r.numpy() for r in step()]
        print(f"{shape} {name:12s} fwd+grad {timeit(step):6.2f} ms", flush=True)
    for name in res:
        print("  ", name, [float(np.max(np.abs(a - r)) / (np.max(np.abs(r)) + 1e-12)) for a, r in zip(res[name], res["fused"])])
