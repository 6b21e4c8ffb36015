"""What training batch normalisation costs inside the MNIST train step (XLA, batch 128): the step against the same step with every training-mode BatchNorm replaced by the identity, alternated in one process.

    PYTHONPATH=. python research/results/profiling-notes/batch_norm_share.py"""
import os, time, statistics, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
from step_timing import alternated_ms
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
from lsa_keras.layers.batch_norm import BatchNorm
x = np.random.RandomState(0).rand(128, 28, 28, 1).astype("float32")
ones = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
real_call = BatchNorm.call
def build(kind):
    if kind == "bn-identity":
        BatchNorm.call = lambda self, inputs, training=None, mask=None: inputs if training else real_call(self, inputs, training, mask)
    keras.utils.set_random_seed(0)
    m = LSA.from_architecture("mnist"); m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=True)
    m.make_train_function(); m.train_function(ones); m.train_function(ones)
    BatchNorm.call = real_call
    return m.train_function
fns = {k: build(k) for k in ("base", "bn-identity")}
res = alternated_ms({k: (lambda f=f: f(ones)["loss"]) for k, f in fns.items()}, rounds=5, n=8)
