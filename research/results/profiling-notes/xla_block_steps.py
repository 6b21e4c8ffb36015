"""Each MNIST encoder and decoder layer alone at batch 128, forward and forward with gradients (XLA unless JIT=0).

    PYTHONPATH=. python research/results/profiling-notes/xla_block_steps.py"""
import os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
B = int(os.environ.get("BATCH", 128)); JIT = os.environ.get("JIT", "1") == "1"
m = LSA.from_architecture("mnist")
rng = np.random.RandomState(0)
def timeit(f, n=12, r=3):
    f(); out = []
    for _ in range(r):
        t = time.perf_counter()
        for _ in range(n): v = f()
        keras.ops.convert_to_numpy(v[0])
        out.append((time.perf_counter() - t) / n * 1000)
    return statistics.median(out)
def layer_step(layer, shape):
    x = tf.constant(rng.rand(B, *shape).astype("float32"))
    vs = layer.trainable_variables
    @tf.function(jit_compile=JIT)
    def step():
        with tf.GradientTape() as t:
            t.watch(x)
            y = layer(x, training=True)
            l = tf.reduce_sum(tf.square(y))
        gs = t.gradient(l, vs + [x])
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in gs]
    @tf.function(jit_compile=JIT)
    def fwd():
        return [tf.reduce_sum(layer(x, training=True))]
    return step, fwd
for net in (m.encoder, m.decoder):
    shape = net.input_shape[1:]
    for layer in net.layers:
        s, f = layer_step(layer, shape)
        print(f"{net.name}.{layer.name:14s} in {str(shape):16s} fwd {timeit(f):7.2f}  fwd+grad {timeit(s):7.2f} ms", flush=True)
        shape = layer.compute_output_shape((None,) + tuple(shape))[1:]
