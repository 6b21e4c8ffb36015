"""The CIFAR-10 train function with and without XLA (BATCH, default 64), alternated in one process, 3 rounds of 3 steps, and each model's first two steps (compile included).

    PYTHONPATH=. python research/results/profiling-notes/cifar_xla_ab.py"""
import os, time, statistics, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
from step_timing import alternated_ms
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
B = int(os.environ.get("BATCH", 64))
x = np.random.RandomState(0).rand(B, 32, 32, 3).astype("float32")
ones = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
fns = {}
for jit in (True, False):
    keras.utils.set_random_seed(0)
    m = LSA.from_architecture("cifar10"); m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=jit)
    t = time.perf_counter(); m.make_train_function(); m.train_function(ones); m.train_function(ones)
    print("jit", jit, "first two steps s", round(time.perf_counter() - t, 1), flush=True)
    fns[jit] = m.train_function
res = alternated_ms({k: (lambda f=f: f(ones)["loss"]) for k, f in fns.items()}, rounds=3, n=3)
for k, v in res.items(): print("jit", k, "median ms", round(statistics.median(v), 1), [round(a, 1) for a in v], "samples/s", round(B / statistics.median(v) * 1000, 1))
