"""MNIST scorer in float32 against ``with_dtype_policy("mixed_bfloat16")`` (same weights,
random, seed 0), 30 alternated batches of 256 in one process, median ms a batch.

    python examples/results/profiling-notes/bf16_scorer.py
"""
import time, numpy as np, keras, tensorflow as tf
from lsa_keras import LSA, scoring
x = np.random.RandomState(0).rand(256, 28, 28, 1).astype("float32")
keras.utils.set_random_seed(0)
m = LSA.from_architecture("mnist")
mb = m.with_dtype_policy("mixed_bfloat16")
fs = {}
for n, model in (("float32", m), ("mixed_bfloat16", mb)):
    s = scoring.scorer(model); scoring.refresh(model)
    fs[n] = tf.function(lambda b, s=s: s(b, training=False)); fs[n](x)
ts = {n: [] for n in fs}
for _ in range(30):
    for n, f in fs.items():
        t = time.perf_counter(); f(x)["llk"].numpy(); ts[n].append(time.perf_counter() - t)
for n, v in ts.items(): print(n, "%.1f ms" % (1e3 * np.median(v)))
