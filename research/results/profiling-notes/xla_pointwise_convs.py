"""1x1 convolutions of the MNIST model as XLA convolutions against matmuls of the reshaped activations, batch 128, with gradients (kernel and input, or kernel only): the decoder output (28x28x16 -> 1), the first down block's shortcut (14x14x1 -> 32), a 14x14x32 -> 16 one.

    python research/results/profiling-notes/xla_pointwise_convs.py"""
import functools, os, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=20)
for shape, co in [((128, 28, 28, 16), 1), ((128, 14, 14, 1), 32), ((128, 14, 14, 32), 16)]:
    x = tf.constant(np.random.rand(*shape).astype("float32")); k = tf.Variable(np.random.rand(1, 1, shape[-1], co).astype("float32"))
    conv = lambda x: tf.nn.conv2d(x, k, 1, "VALID")
    mm = lambda x: tf.reshape(tf.matmul(tf.reshape(x, (-1, shape[-1])), k[0, 0]), shape[:-1] + (co,))
    for name, fn in (("conv", conv), ("matmul", mm)):
        def st():
            with tf.GradientTape() as t:
                t.watch(x); l = tf.reduce_sum(tf.square(fn(x)))
            return t.gradient(l, [k, x])
        def stk():
            with tf.GradientTape() as t:
                l = tf.reduce_sum(tf.square(fn(x)))
            return t.gradient(l, [k])
        print(shape, co, name, f"XLA grad k+x {timeit(tf.function(st, jit_compile=True)):.2f}  grad k only {timeit(tf.function(stk, jit_compile=True)):.2f} ms", flush=True)
