"""The MNIST (or the argument's) scorer's ``predict`` in several compiled forms, one process:
``lsa_keras.scoring.per_sample_scores`` on 2,560 random images in batches of 256 (an LSA with
random weights, seed 0, after one 2-step epoch), the forms alternated call by call, 8 rounds;
prints each form's median ms a batch and the bare graph's (one ``tf.function`` call a batch).

    PYTHONPATH=.:research/results/profiling-notes python research/results/profiling-notes/scorer_predict_forms.py [mnist]
"""
import os
import sys
import time

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

choose_tensorflow_settings()
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from lsa_keras import LSA, scoring  # noqa: E402
from step_timing import alternated_ms  # noqa: E402

arch = sys.argv[1] if len(sys.argv) > 1 else "mnist"
print("TF_ENABLE_ONEDNN_OPTS", os.environ.get("TF_ENABLE_ONEDNN_OPTS"), flush=True)
keras.utils.set_random_seed(0)
model = LSA.from_architecture(arch)
model.compile()
x = np.random.RandomState(0).rand(2560, *model.image_shape).astype("float32")
model.fit(x[:512], batch_size=256, epochs=1, verbose=0)
batches = len(x) // 256
net = scoring.scorer(model)
scoring.refresh(model)

forms = {"predict (as shipped)": dict(jit_compile="auto"),
         "predict, steps_per_execution=10": dict(jit_compile="auto", steps_per_execution=10),
         "predict, XLA": dict(jit_compile=True),
         "predict, XLA, steps_per_execution=10": dict(jit_compile=True, steps_per_execution=10)}


def form(options):
    def call():
        net.compile(**options)
        return scoring.per_sample_scores(model, x, batch_size=256)["llk"]
    return call


# Each predict call recompiles nothing once traced: compile() resets the predict function, so
# each form keeps its own traced function and swaps it in.
fns = {}
for name, options in forms.items():
    net.compile(**options)
    start = time.perf_counter()
    scoring.per_sample_scores(model, x[:256], batch_size=256)
    print(f"{name}: first call {time.perf_counter() - start:.2f} s", flush=True)
    fn = net.make_predict_function()

    def call(fn=fn, options=options):
        net.compile(**options)
        net.predict_function = fn
        return scoring.per_sample_scores(model, x, batch_size=256)["llk"]
    fns[name] = call
graph = tf.function(lambda b: net(b, training=False))
xb = tf.constant(x[:256])
graph(xb)
fns["bare graph, one call a batch"] = lambda: [graph(xb) for _ in range(batches)][-1]
times = alternated_ms(fns, rounds=8, n=1)
for name, ms in times.items():
    print(f"{name}: median {np.median(ms) / batches:.1f} ms a batch", flush=True)
