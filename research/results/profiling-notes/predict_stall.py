"""Keras ``predict`` on NumPy arrays, a ``predict_on_batch`` loop, and ``predict`` on plain
tf.data batches (what ``lsa_keras.scoring`` does), for the MNIST scorer (TensorFlow).

    PYTHONPATH=. python examples/results/profiling-notes/predict_stall.py

Scores 5,120 random images in batches of 256, and one image, three rounds each, and prints
the milliseconds of each call and the largest difference from ``predict``'s scores.
"""
import os, time
os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, tensorflow as tf
from lsa_keras import LSA, scoring

model = LSA.from_architecture("mnist")
x = np.random.RandomState(0).rand(5120, 28, 28, 1).astype("float32")
s = scoring.scorer(model)
s.predict(x[:256], batch_size=256, verbose=0); s.predict_on_batch(x[:256]); s.predict_on_batch(x[:1])


def loop(xx, bs=256):
    outs = [s.predict_on_batch(xx[i:i + bs]) for i in range(0, len(xx), bs)]
    return {k: np.concatenate([np.asarray(o[k]) for o in outs]) for k in ("llk", "rec")}


def plain(xx, bs=256):
    return s.predict(tf.data.Dataset.from_tensor_slices(xx).batch(bs), verbose=0)


for r in range(3):
    for label, fn in (("predict", lambda: s.predict(x, batch_size=256, verbose=0)),
                      ("on_batch loop", lambda: loop(x)),
                      ("predict 1 image", lambda: s.predict(x[:1], batch_size=256, verbose=0)),
                      ("on_batch 1 image", lambda: loop(x[:1])),
                      ("plain batches", lambda: plain(x)),
                      ("plain 1 image", lambda: plain(x[:1]))):
        t = time.perf_counter(); fn(); w = time.perf_counter() - t
        print(f"{label:18s} {w * 1000:8.1f} ms", flush=True)
a = s.predict(x, batch_size=256, verbose=0)
for label, b in (("on_batch loop", loop(x)), ("plain batches", plain(x))):
    print(label, "max diff from predict",
          max(float(np.abs(np.asarray(a[k]).reshape(-1) - np.asarray(b[k]).reshape(-1)).max()) for k in ("llk", "rec")))
