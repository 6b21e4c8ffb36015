"""The MNIST down blocks' layers under XLA at batch 128, and the up blocks' strided 1x1 shortcut as a transposed convolution against the matmul and zero interleave.

    PYTHONPATH=. python research/results/profiling-notes/xla_down_block_layers.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
from lsa_keras.layers.conv_block import subsample
from lsa_keras.layers.folding import pointwise_upsampling
B = 128
m = LSA.from_architecture("mnist")
rng = np.random.RandomState(0)
from step_timing import median_ms
timeit = functools.partial(median_ms, n=12)
def fn_step(fn, vs, shape, jit):
    x = tf.constant(rng.rand(B, *shape).astype("float32"))
    @tf.function(jit_compile=jit)
    def step():
        with tf.GradientTape() as t:
            t.watch(x); l = tf.reduce_sum(tf.square(fn(x)))
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in t.gradient(l, vs + [x])]
    return step
for bname, shape in (("down1", (28, 28, 1)), ("down2", (14, 14, 32))):
    blk = m.encoder.get_layer(bname)
    s0 = shape
    for layer in blk.main:
        st = fn_step(lambda x, l=layer: l(x, training=True), layer.trainable_variables, s0, True)
        print(f"{bname}.{layer.name:10s} in {str(s0):14s} XLA fwd+grad {timeit(st):6.2f} ms", flush=True)
        s0 = layer.compute_output_shape((None,) + tuple(s0))[1:]
    sc = blk.shortcut[0]
    st = fn_step(lambda x: sc(subsample(x, (2, 2))), sc.trainable_variables, shape, True)
    print(f"{bname}.shortcut(sub+1x1) XLA {timeit(st):6.2f} ms")
for bname, shape in (("up1", (7, 7, 64)), ("up2", (14, 14, 32))):
    sc = m.decoder.get_layer(bname).shortcut[0]
    st = fn_step(lambda x: sc(x), sc.trainable_variables, shape, True)
    st2 = fn_step(lambda x: pointwise_upsampling(x, sc.kernel, (2, 2)), sc.trainable_variables, shape, True)
    print(f"{bname}.shortcut tconv1x1 XLA {timeit(st):6.2f}  pointwise {timeit(st2):6.2f} ms", flush=True)
