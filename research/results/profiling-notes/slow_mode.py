"""The TensorFlow slow mode: ten scoring timings in one process, with the process's CPU time
per wall second and its minor page faults. Run from the repository root, nothing else running:

    PYTHONPATH=. python examples/results/profiling-notes/slow_mode.py [inter-op threads]

In the slow mode a timing lands at ~980 images/s (half of the ~1,900 of the fast mode) and
the process uses ~1.0 CPU per wall second instead of ~1.8: one of the two cores sits idle.
"""

import resource
import sys
import time

import numpy as np
import tensorflow as tf

if len(sys.argv) > 1:
    tf.config.threading.set_inter_op_parallelism_threads(int(sys.argv[1]))

from lsa_keras import LSA, scoring  # noqa: E402

model = LSA.from_architecture("mnist")
x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
scoring.per_sample_scores(model, x[:256])
for _ in range(10):
    r0, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    scoring.per_sample_scores(model, x)
    wall, r1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    print(f"{len(x) / wall:.0f} images/s  cpu/wall {cpu / wall:.2f}  sys {r1.ru_stime - r0.ru_stime:.2f} s"
          f"  minor faults {r1.ru_minflt - r0.ru_minflt}", flush=True)
