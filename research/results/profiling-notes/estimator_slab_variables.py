"""The MNIST estimator's step at batch 128 under XLA with its slabs laid out from the free blocks at every call against slabs held as variables (the lower bound of what the layout costs). Set TF_CPU_ALLOCATOR_USE_BFC=true. Runs against the code before
f23962f, where MaskedDense held its free blocks in one variable (``git worktree add DIR 5834b0e``).

    PYTHONPATH=. python research/results/profiling-notes/estimator_slab_variables.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, tensorflow as tf, keras
from keras import ops
from lsa_keras.models import LSA
from lsa_keras.layers.autoregressive_layer import leading_columns
B = 128
m = LSA.from_architecture("mnist")
est = m.estimator
z = tf.constant(np.random.rand(B, 64, 1).astype("float32"))
from step_timing import median_ms
timeit = functools.partial(median_ms, n=12)
mfcs = [l for l in est.layers if hasattr(l, "_slabs")]
slabvars = {l.name: [tf.Variable(s) for s in l.gather_slabs(l.kernel)] for l in mfcs}
def run(variant):
    h = z
    for l in est.layers:
        if l in mfcs:
            d = l.code_length
            x = tf.reshape(h, (-1, d * l.input_channels))
            if variant == "layer":
                y = l._masked_matmul(x, l.kernel)
            else:
                y = l.slab_matmul(x, slabvars[l.name])
            h = tf.reshape(y, (-1, d, l.units)) + l.bias
        else:
            h = l(h)
    return h
for variant in ("layer", "slabvars", "layer", "slabvars"):
    vs = [l.bias for l in mfcs] + ([l.kernel for l in mfcs] if variant == "layer" else [v for l in mfcs for v in slabvars[l.name]])
    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as t:
            lo = tf.reduce_mean(run(variant))
        return [tf.reduce_sum(tf.convert_to_tensor(g)) for g in t.gradient(lo, vs)]
    @tf.function(jit_compile=True)
    def fwd(): return [tf.reduce_sum(run(variant))]
    print(variant, f"fwd {timeit(fwd):.1f} step {timeit(step):.1f} ms", flush=True)
