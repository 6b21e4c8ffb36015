"""Training batch normalisation forms at batch 128, with gradients, with and without XLA: the package's fused layer, Keras' layer, one-pass and two-pass statistics.

    PYTHONPATH=. python research/results/profiling-notes/batch_norm_forms.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, tensorflow as tf, keras
from lsa_keras.layers.batch_norm import BatchNorm
B = 128
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
for shape in [(28, 28, 16), (14, 14, 32)]:
    x = tf.constant(rng.rand(B, *shape).astype("float32") * 2 - 0.5)
    c = shape[-1]
    g = tf.Variable(np.ones(c, "float32")); b = tf.Variable(np.zeros(c, "float32"))
    ours = BatchNorm(momentum=0.9, epsilon=1e-5); ours.build(x.shape)
    kb = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5); kb.build(x.shape)
    def onepass(x):
        m = tf.reduce_mean(x, [0, 1, 2]); m2 = tf.reduce_mean(tf.square(x), [0, 1, 2])
        v = m2 - tf.square(m)
        scale = g * tf.math.rsqrt(v + 1e-5)
        return x * scale + (b - m * scale)
    def twopass(x):
        m = tf.reduce_mean(x, [0, 1, 2]); v = tf.reduce_mean(tf.square(x - m), [0, 1, 2])
        scale = g * tf.math.rsqrt(v + 1e-5)
        return x * scale + (b - m * scale)
    variants = {"ours(fused)": lambda x: ours(x, training=True), "keras": lambda x: kb(x, training=True),
                "onepass": onepass, "twopass": twopass}
    for name, fn in variants.items():
        vs = [g, b] if name in ("onepass", "twopass") else (ours.trainable_variables if name.startswith("ours") else kb.trainable_variables)
        for jit in (True, False):
            @tf.function(jit_compile=jit)
            def step():
                with tf.GradientTape() as t:
                    t.watch(x); y = fn(x); l = tf.reduce_sum(tf.nn.leaky_relu(y, 0.01) * x)
                return [tf.reduce_sum(gg) for gg in t.gradient(l, vs + [x])]
            print(f"{shape} {name:12s} jit={jit!s:5} fwd+grad {timeit(step):6.2f} ms", flush=True)
