"""The masked layers' slab layout with a gather-back gradient against the plain gather (scatter-add gradient): the MNIST train function at batch 128 in one process, alternated, 6 rounds of 8 steps (JIT=0 for no XLA).

    PYTHONPATH=. python research/results/profiling-notes/layout_gradient_ab.py"""
import os, time, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
from step_timing import alternated_ms
import numpy as np, tensorflow as tf, keras
from keras import ops
from lsa_keras.models import LSA
from lsa_keras.layers import masks
real = masks.lay_out_blocks
def plain(blocks, index, inverse):
    n, ci, co = blocks.shape
    padded = ops.concatenate([blocks, ops.zeros((1, ci, co), blocks.dtype)], 0)
    return ops.take(padded, index, axis=0)
JIT = os.environ.get("JIT", "1") == "1"
x = np.random.RandomState(0).rand(128, 28, 28, 1).astype("float32")
ones = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
fns = {}
for name, impl in (("customgrad", real), ("scatter", plain)):
    masks.lay_out_blocks = impl
    keras.utils.set_random_seed(0)
    m = LSA.from_architecture("mnist"); m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=JIT)
    m.make_train_function(); m.train_function(ones); m.train_function(ones)
    fns[name] = m.train_function
masks.lay_out_blocks = real
res = alternated_ms({k: (lambda f=f: f(ones)["loss"]) for k, f in fns.items()}, rounds=6, n=8)
