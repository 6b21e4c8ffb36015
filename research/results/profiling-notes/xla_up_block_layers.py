"""The MNIST up blocks' layers one by one at batch 128, forward and with gradients, with and without XLA.

    PYTHONPATH=. python research/results/profiling-notes/xla_up_block_layers.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
B = int(os.environ.get("BATCH", 128))
m = LSA.from_architecture("mnist")
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=12)
def layer_step(layer, shape, jit):
    x = tf.constant(rng.rand(B, *shape).astype("float32"))
    vs = layer.trainable_variables
    @tf.function(jit_compile=jit)
    def step():
        with tf.GradientTape() as t:
            t.watch(x)
            y = layer(x, training=True)
            l = tf.reduce_sum(tf.square(y))
        gs = t.gradient(l, vs + [x])
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in gs]
    @tf.function(jit_compile=jit)
    def fwd():
        return [tf.reduce_sum(layer(x, training=True))]
    return step, fwd
for bname in ("up1", "up2"):
    blk = m.decoder.get_layer(bname)
    shape = blk.input_shape[1:] if hasattr(blk, "input_shape") else None
    shape = {"up1": (7, 7, 64), "up2": (14, 14, 32)}[bname]
    for branch in (blk.main, blk.shortcut):
        s0 = shape
        for layer in branch:
            for jit in (True, False):
                s, f = layer_step(layer, s0, jit)
                print(f"{bname}.{layer.name:14s} jit={jit!s:5} in {str(s0):16s} fwd {timeit(f):7.2f}  fwd+grad {timeit(s):7.2f} ms", flush=True)
            s0 = layer.compute_output_shape((None,) + tuple(s0))[1:]
