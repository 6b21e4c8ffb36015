"""The MNIST (or the argument's) scorer compiled with and without XLA, one process, a batch of
256 random images: each scorer's first call, then 10 alternated rounds of 4 calls.

    PYTHONPATH=. python research/results/profiling-notes/scorer_xla_ab.py [mnist|cifar10]
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np
import tensorflow as tf

from lsa_keras import LSA
from lsa_keras.models.lsa import lsa_scorer
from step_timing import alternated_ms

arch = sys.argv[1] if len(sys.argv) > 1 else "mnist"
fns = {}
for jit in (False, True):
    model = LSA.from_architecture(arch)
    scorer = lsa_scorer.scorer(model)
    scorer.compile(jit_compile=jit)
    x = tf.constant(np.random.RandomState(0).rand(256, *model.image_shape).astype("float32"))
    start = time.perf_counter()
    scorer.predict_on_batch(x)
    print(f"{arch} jit={jit} first call {time.perf_counter() - start:.2f} s", flush=True)
    fns[f"{arch} jit={jit}"] = lambda s=scorer, x=x: s.predict_on_batch(x)
alternated_ms(fns, rounds=10, n=4)
