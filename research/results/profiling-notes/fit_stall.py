"""Where the wall time of a short Keras ``fit`` goes beyond its steps (MNIST model, TensorFlow).

    PYTHONPATH=. python examples/results/profiling-notes/fit_stall.py

Fits 3 epochs of 10 steps (batch 256, random images) from NumPy arrays (twice) and from
tf.data datasets with and without an autotuned prefetch, and prints the milliseconds between
epochs and between the last batch's end and ``fit`` returning.
"""
import os, time
os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, keras, tensorflow as tf
from lsa_keras import LSA
model = LSA.from_architecture("mnist"); model.compile(jit_compile=False)
x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
model.fit(x[:512], batch_size=256, epochs=1, verbose=0)
ev = []
class T(keras.callbacks.Callback):
    def on_epoch_begin(self, e, logs=None): ev.append(("b", time.perf_counter()))
    def on_train_batch_end(self, b, logs=None): self.last = time.perf_counter()
    def on_epoch_end(self, e, logs=None): ev.append(("e", self.last))
def report(label, fn):
    ev.clear(); t = time.perf_counter(); fn(); end = time.perf_counter()
    gaps = [round(1000 * (ev[i + 1][1] - ev[i][1])) for i in range(len(ev) - 1) if ev[i][0] == "e"]
    print(label, "between epochs (ms)", gaps, "after last batch", round(1000 * (end - ev[-1][1])), flush=True)
report("arrays 3 epochs", lambda: model.fit(x, batch_size=256, epochs=3, verbose=0, shuffle=False, callbacks=[T()]))
report("arrays 3 epochs", lambda: model.fit(x, batch_size=256, epochs=3, verbose=0, shuffle=False, callbacks=[T()]))
ds = tf.data.Dataset.from_tensor_slices(x).batch(256)
report("dataset no prefetch", lambda: model.fit(ds, epochs=3, verbose=0, callbacks=[T()]))
o = tf.data.Options(); o.autotune.enabled = False
report("dataset prefetch(1), autotune off", lambda: model.fit(ds.prefetch(1).with_options(o), epochs=3, verbose=0, callbacks=[T()]))
report("dataset prefetch(AUTOTUNE)", lambda: model.fit(ds.prefetch(tf.data.AUTOTUNE), epochs=3, verbose=0, callbacks=[T()]))
