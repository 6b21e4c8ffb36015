"""The train step under XLA with different ``XLA_FLAGS``, alternated: each round runs, per
setting in the order given, a fresh process that builds the model (weight seed 0), compiles
it with ``jit_compile=True``, times its first call (tracing and compiling for the batch), a
first call at 7/8 of the batch (a ragged last batch: a second program), then 3 rounds of 12
calls at the batch (median ms a step). ``ARCH`` (default mnist) and ``BATCH`` (default 128)
choose the model and batch; ``JIT=0`` compiles without XLA (with ``env_ab.py``, a setting).

    [ARCH=cifar10 BATCH=64] python research/results/profiling-notes/xla_flags_ab.py ROUNDS LABEL="FLAGS" ...

for instance ``base="" o2="--xla_backend_optimization_level=2"``. Set nothing else running.
"""
import os
import statistics
import subprocess
import sys

CODE = r"""
import os, sys, time
sys.path.insert(0, %(here)r)
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
from step_timing import median_ms
keras.utils.set_random_seed(0)
arch, batch = os.environ.get("ARCH", "mnist"), int(os.environ.get("BATCH", 128))
m = LSA.from_architecture(arch)
m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=os.environ.get("JIT", "1") == "1")
x = np.random.RandomState(0).rand(batch, *m.image_shape).astype("float32")
batches = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
m.make_train_function()
t = time.perf_counter(); m.train_function(batches); print("FIRST", time.perf_counter() - t)
ragged = iter(tf.data.Dataset.from_tensors(tf.constant(x[:batch * 7 // 8])).repeat())
t = time.perf_counter(); m.train_function(ragged); print("RAGGED", time.perf_counter() - t)
print("MS", median_ms(lambda: m.train_function(batches)["loss"], n=12, r=3))
"""


def main(rounds, settings):
    run(rounds, [(label, {"XLA_FLAGS": flags}) for label, flags in settings])


def run(rounds, settings):
    """``settings``: ``(label, environment variables)`` pairs, each run in turn per round. A
    variable ``CPUS`` is not passed on: the process runs under ``taskset -c CPUS``."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    got = {label: {"FIRST": [], "RAGGED": [], "MS": []} for label, _ in settings}
    for _ in range(rounds):
        for label, variables in settings:
            env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3",
                       TF_CPU_ALLOCATOR_USE_BFC="true", KERAS_BACKEND="tensorflow")
            env.update(variables)
            cpus = env.pop("CPUS", None)
            prefix = ["taskset", "-c", cpus] if cpus else []
            out = subprocess.run([*prefix, sys.executable, "-c", CODE % {"here": here}], env=env,
                                 cwd=root, capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                key, _, value = line.partition(" ")
                if key in got[label]:
                    got[label][key].append(float(value))
            print(label, {k: round(v[-1], 2) for k, v in got[label].items()}, flush=True)
    for label, values in got.items():
        print(f"{label}: step median {statistics.median(values['MS']):.1f} ms (rounds "
              f"{', '.join(f'{t:.1f}' for t in values['MS'])}); first call "
              f"{statistics.median(values['FIRST']):.1f} s, ragged batch's first call "
              f"{statistics.median(values['RAGGED']):.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]), [arg.split("=", 1) for arg in sys.argv[2:]])
