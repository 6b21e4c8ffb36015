"""The up blocks' 5x5 transposed convolution and crop against the sub-pixel form, with and without XLA, forward and with gradients, batch 128 (MNIST shapes; add the argument cifar for CIFAR-10's).

    PYTHONPATH=. python research/results/profiling-notes/xla_upsampling.py [cifar]"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from keras import ops
from lsa_keras.layers.folding import subpixel_upsampling
B = int(os.environ.get("BATCH", 128))
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=8)
shapes = [(7, 64, 32), (14, 32, 16)] + ([(4, 256, 128), (8, 128, 64), (16, 64, 32)] if "cifar" in sys.argv else [])
for h, ci, co in shapes:
    x = tf.constant(rng.rand(B, h, h, ci).astype("float32"))
    k = tf.Variable(rng.uniform(-.1, .1, (5, 5, co, ci)).astype("float32"))
    def tconv(x):
        y = tf.nn.conv2d_transpose(x, k, (B, 2 * h + 3, 2 * h + 3, co), 2, padding="VALID")
        return tf.slice(y, [0, 2, 2, 0], [B, 2 * h, 2 * h, co])
    def sub(x): return subpixel_upsampling(x, k)
    res = {}
    for name, fn in (("tconv", tconv), ("subpixel", sub)):
        for jit in (True, False):
            @tf.function(jit_compile=jit)
            def fwd(): return [tf.reduce_sum(fn(x))]
            @tf.function(jit_compile=jit)
            def step():
                with tf.GradientTape() as t:
                    t.watch(x); l = tf.reduce_sum(tf.square(fn(x)))
                return [tf.reduce_sum(g) for g in t.gradient(l, [k, x])]
            print(f"({h},{ci},{co}) {name:8s} jit={jit!s:5} fwd {timeit(fwd):7.2f} fwd+grad {timeit(step):7.2f} ms", flush=True)
    a = tconv(x); b = sub(x); print("maxdiff", float(tf.reduce_max(tf.abs(a - b))))
