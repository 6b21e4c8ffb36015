"""MNIST scorer: Keras predict on plain tf.data batches with and without tf.data autotuning, alternated,
16 calls of 1,280 images each. Run from the repository root, jobs paused:

    PYTHONPATH=. python examples/results/profiling-notes/predict_autotune.py
"""
import time, numpy as np, keras, tensorflow as tf
from lsa_keras import LSA, scoring
m = LSA.from_architecture("mnist")
x = np.random.RandomState(0).rand(1280, 28, 28, 1).astype("float32")
scoring.per_sample_scores(m, x)
s = scoring.scorer(m)
def ds_plain(): return tf.data.Dataset.from_tensor_slices(x).batch(256)
def ds_noauto():
    o = tf.data.Options(); o.autotune.enabled = False
    return tf.data.Dataset.from_tensor_slices(x).batch(256).with_options(o)
import statistics
R = {"plain": [], "autotune off": []}
for i in range(16):
    for name, mk in (("plain", ds_plain), ("autotune off", ds_noauto)):
        t = time.perf_counter(); s.predict(mk(), verbose=0); R[name].append(round(1000*(time.perf_counter()-t)))
for k, r in R.items(): print(k, "median", statistics.median(r), r)
