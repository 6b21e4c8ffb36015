"""Memory allocator and speed: MNIST training steps and scoring with the process's system time
and minor page faults. Run from the repository root, nothing else running, once per allocator
setting (they are fixed when the process starts):

    PYTHONPATH=. python examples/results/profiling-notes/allocator.py
    LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 PYTHONPATH=. python ...
    GLIBC_TUNABLES=glibc.malloc.arena_max=1 PYTHONPATH=. python ...

Prints one line per timing: samples/s, user and system CPU seconds, minor page faults.
"""

import os
import resource
import time

import numpy as np

from lsa_keras import LSA, scoring


def timed(label, n, fn):
    r0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    wall, r1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
    print(f"{label}: {n / wall:7.1f} samples/s  wall {wall:5.2f} s  user {r1.ru_utime - r0.ru_utime:5.2f} s"
          f"  sys {r1.ru_stime - r0.ru_stime:5.2f} s  minor faults {r1.ru_minflt - r0.ru_minflt}", flush=True)


setting = os.environ.get("LD_PRELOAD") or os.environ.get("GLIBC_TUNABLES") or "glibc malloc, defaults"
print("allocator:", setting)
model = LSA.from_architecture("mnist")
model.compile()
x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
model.fit(x[:512], batch_size=256, epochs=1, verbose=0)
scoring.per_sample_scores(model, x[:256])
for _ in range(3):
    timed("train (10 steps of 256, whole fit)", len(x),
          lambda: model.fit(x, batch_size=256, epochs=1, verbose=0, shuffle=False))
    timed("score (2,560 images, batch 256)", len(x), lambda: scoring.per_sample_scores(model, x))
