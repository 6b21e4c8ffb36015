"""What training batch normalisation costs inside the MNIST train step (XLA, batch 128): the step against the same step with every training-mode BatchNorm replaced by the identity, alternated in one process.

    PYTHONPATH=. python research/results/profiling-notes/batch_norm_share.py"""
import os, time, statistics, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
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
res = {k: [] for k in fns}
for r in range(5):
    for k, f in fns.items():
        t = time.perf_counter()
        for _ in range(8): logs = f(ones)
        float(logs["loss"]); res[k].append((time.perf_counter() - t) / 8 * 1000)
for k, v in res.items(): print(k, "median", round(statistics.median(v), 1), [round(a, 1) for a in v])
