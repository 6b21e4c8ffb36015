"""The MNIST train step under XLA at batch 128 for two or more versions of the code,
alternated: each round runs, per version in the order given, a fresh process that builds the
model (weight seed 0), compiles it with ``jit_compile=True`` (``JIT=0``: False), warms up, and
times 3 rounds of 12 calls of its train function on one fixed batch of random images (median
ms a step).

    [JIT=0] python research/results/profiling-notes/xla_step_ab.py ROUNDS LABEL=REPO_ROOT ...

Each REPO_ROOT is a checkout (for instance a ``git worktree``) whose ``lsa_keras`` the
process imports. Set nothing else running.
"""
import os
import statistics
import subprocess
import sys

CODE = r"""
import os, sys
sys.path.insert(0, %(here)r)
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
from step_timing import median_ms
keras.utils.set_random_seed(0)
m = LSA.from_architecture("mnist")
m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=os.environ.get("JIT", "1") == "1")
x = np.random.RandomState(0).rand(128, 28, 28, 1).astype("float32")
batches = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
m.make_train_function()
m.train_function(batches)
print("MS", median_ms(lambda: m.train_function(batches)["loss"], n=12, r=3))
"""


def main(rounds, versions):
    here = os.path.dirname(os.path.abspath(__file__))
    times = {label: [] for label, _ in versions}
    for _ in range(rounds):
        for label, root in versions:
            env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3",
                       TF_CPU_ALLOCATOR_USE_BFC="true", KERAS_BACKEND="tensorflow")
            out = subprocess.run([sys.executable, "-c", CODE % {"here": here}], env=env,
                                 cwd=root, capture_output=True, text=True, check=True).stdout
            times[label].append(float(out.split("MS")[-1]))
            print(label, round(times[label][-1], 1), flush=True)
    for label, ms in times.items():
        print(f"{label}: median {statistics.median(ms):.1f} ms a step, rounds "
              f"{', '.join(f'{t:.1f}' for t in ms)}")


if __name__ == "__main__":
    main(int(sys.argv[1]), [arg.split("=", 1) for arg in sys.argv[2:]])
