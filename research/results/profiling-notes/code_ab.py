"""Training throughput and CPU time of two versions of the code, alternated in one run.

    python examples/results/profiling-notes/code_ab.py MODEL ROUNDS LABEL=PYTHON ...

Each LABEL names an interpreter whose environment imports one version of ``lsa_keras``. Each
round runs, per version in the order given, a fresh process that builds MODEL, compiles it
(TensorFlow, float32), fits 2 steps to trace, then times 4 fits of 10 steps at batch 256 on
random images: wall-clock samples/s and process CPU seconds per step. On this project's CPU
the wall clock of identical fits falls into a few discrete modes (see the benchmark READMEs),
so the CPU time per step is the steadier measure of the work a step does.
"""
import json, os, statistics, subprocess, sys, tempfile

CODE = r"""
import json, time, numpy as np, keras
from lsa_keras import LSA
model = LSA.from_architecture(%r); model.compile(jit_compile=False)
x = np.random.RandomState(0).rand(2560, *model.image_shape).astype("float32")
model.fit(x[:512], batch_size=256, epochs=1, verbose=0)
class Steps(keras.callbacks.Callback):
    def on_train_batch_begin(self, b, logs=None):
        self.t0 = getattr(self, "t0", None) or time.perf_counter()
    def on_train_batch_end(self, b, logs=None):
        self.t1 = time.perf_counter()
walls, steps, cpus = [], [], []
for _ in range(4):
    t, c, cb = time.perf_counter(), time.process_time(), Steps()
    model.fit(x, batch_size=256, epochs=1, verbose=0, shuffle=False, callbacks=[cb])
    walls.append(round(2560 / (time.perf_counter() - t), 1)); cpus.append(round((time.process_time() - c) / 10, 3))
    steps.append(round(2560 / (cb.t1 - cb.t0), 1))
import lsa_keras
print("RESULT " + json.dumps({"samples_per_s": walls, "step_samples_per_s": steps, "cpu_s_per_step": cpus, "code": lsa_keras.__file__}))
"""

model, rounds, versions = sys.argv[1], int(sys.argv[2]), [a.split("=", 1) for a in sys.argv[3:]]
results = {label: {"samples_per_s": [], "step_samples_per_s": [], "cpu_s_per_step": []}
           for label, _ in versions}
for r in range(rounds):
    for label, python in versions:
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2")
        # Outside any checkout: ``python -c`` puts the working folder first on sys.path, and
        # from a repository root every interpreter would import that checkout's lsa_keras.
        out = subprocess.run([python, "-c", CODE % model], env=env, capture_output=True, text=True,
                             cwd=tempfile.gettempdir())
        line = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
        if not line:
            sys.exit(out.stderr[-3000:])
        res = json.loads(line[0][7:])
        print(f"{label} imports {res.pop('code')}", flush=True)
        for k in res:
            results[label][k] += res[k]
        print(f"round {r} {label}: samples/s {res['samples_per_s']} steps alone {res['step_samples_per_s']} "
              f"CPU s/step {res['cpu_s_per_step']}", flush=True)
medians = {label: {k: statistics.median(v) for k, v in rs.items()} for label, rs in results.items()}
for label, m in medians.items():
    print(f"{label}: median {m['samples_per_s']:.1f} samples/s ({m['step_samples_per_s']:.1f} steps alone), "
          f"{m['cpu_s_per_step']:.3f} CPU s/step, "
          f"max {max(results[label]['samples_per_s']):.1f} samples/s")
first = versions[0][0]
for label, _ in versions[1:]:
    print(f"{label} / {first}: CPU per step {medians[first]['cpu_s_per_step'] / medians[label]['cpu_s_per_step']:.2f}x less, "
          f"median samples/s {medians[label]['samples_per_s'] / medians[first]['samples_per_s']:.2f}x, "
          f"steps alone {medians[label]['step_samples_per_s'] / medians[first]['step_samples_per_s']:.2f}x")
