"""Each MNIST encoder and decoder layer alone at batch 128, forward and forward with gradients (XLA unless JIT=0).

    PYTHONPATH=. python research/results/profiling-notes/xla_block_steps.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
B = int(os.environ.get("BATCH", 128)); JIT = os.environ.get("JIT", "1") == "1"
m = LSA.from_architecture("mnist")
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=12)
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
