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
from step_timing import layer_steps, median_ms
timeit = functools.partial(median_ms, n=12)
for bname in ("up1", "up2"):
    blk = m.decoder.get_layer(bname)
    shape = {"up1": (7, 7, 64), "up2": (14, 14, 32)}[bname]
    for branch in (blk.main, blk.shortcut):
        s0 = shape
        for layer in branch:
            for jit in (True, False):
                s, f = layer_steps(layer, rng.rand(B, *s0).astype("float32"), jit)
                print(f"{bname}.{layer.name:14s} jit={jit!s:5} in {str(s0):16s} fwd {timeit(f):7.2f}  fwd+grad {timeit(s):7.2f} ms", flush=True)
            s0 = layer.compute_output_shape((None,) + tuple(s0))[1:]
