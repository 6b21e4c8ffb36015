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
from step_timing import layer_steps, median_ms
timeit = functools.partial(median_ms, n=12)
for net in (m.encoder, m.decoder):
    shape = net.input_shape[1:]
    for layer in net.layers:
        s, f = layer_steps(layer, rng.rand(B, *shape).astype("float32"), JIT)
        print(f"{net.name}.{layer.name:14s} in {str(shape):16s} fwd {timeit(f):7.2f}  fwd+grad {timeit(s):7.2f} ms", flush=True)
        shape = layer.compute_output_shape((None,) + tuple(shape))[1:]
