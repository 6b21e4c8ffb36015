"""Forms of the scorer refresh's comparison of the MNIST estimator's ~40 kernel variables with their
copies, ms (median of 10): eager per-variable comparisons, eager equal alone, the bias copies, one
tf.function over all. Third session, at 38eded3 with c4d5868's stacked comparison: 23.1, 15.6, 1.2, 7.6.
Runs against c4d5868 or later (PrecomputedMaskedDense.kernel_seen is a list).

    PYTHONPATH=REPO_ROOT python research/results/profiling-notes/refresh_compare_forms.py"""
import time, statistics, numpy as np, keras
from keras import ops
from lsa_keras import LSA
from lsa_keras.models.lsa import lsa_scorer
m = LSA.from_architecture("mnist")
lsa_scorer.scorer(m); lsa_scorer.refresh(m)
copies = m.__dict__["_lsa_scorer"].copies
def t(f, n=10):
    f(); ts = []
    for _ in range(n):
        s = time.perf_counter(); f(); ts.append((time.perf_counter() - s) * 1000)
    return round(statistics.median(ts), 2)
print("compare only", t(lambda: [bool(ops.all(ops.stack([ops.all(ops.equal(a, b)) for a, b in zip(c.kernel_seen, c.source.kernel_variables)]))) for c in copies]))
print("equal only", t(lambda: [[ops.equal(a, b) for a, b in zip(c.kernel_seen, c.source.kernel_variables)] for c in copies]))
print("bias copy", t(lambda: [c.bias.assign(ops.copy(c.source.bias)) for c in copies]))
import tensorflow as tf
@tf.function
def cmp(xs, ys):
    return tf.reduce_all(tf.stack([tf.reduce_all(tf.equal(a, b)) for a, b in zip(xs, ys)]))
print("tf.function compare", t(lambda: [bool(cmp([v.value for v in c.kernel_seen], [v.value for v in c.source.kernel_variables])) for c in copies]))
