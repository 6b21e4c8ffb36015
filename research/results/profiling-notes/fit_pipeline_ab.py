"""``LSA.fit`` on arrays through its own pipeline (``fit_input.training_batches`` and
``array_batches``, no tf.data autotuning) against Keras' pipeline for arrays
(``keras.Model.fit`` called on the same model), one process, alternated: the MNIST LSA
(random weights, seed 0), 1,280 random training images in batches of 256 and 619 validation
images, 2 epochs a call; wall seconds a call and the steps' share of it (from the first batch's
start to the last batch's end of each epoch).

    python research/results/profiling-notes/fit_pipeline_ab.py [rounds]
"""
import statistics
import sys
import time

from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

choose_tensorflow_settings()
import keras  # noqa: E402
import numpy as np  # noqa: E402

from lsa_keras import LSA  # noqa: E402

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
keras.utils.set_random_seed(0)
model = LSA.from_architecture("mnist")
model.compile()
rng = np.random.RandomState(0)
x, x_val = rng.rand(1280, 28, 28, 1).astype("float32"), rng.rand(619, 28, 28, 1).astype("float32")


class Steps(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.first = None

    def on_train_batch_begin(self, batch, logs=None):
        if self.first is None:
            self.first = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = getattr(self, "seconds", 0.0) + self.last - self.first


forms = {"LSA.fit (its pipeline)": lambda **kw: model.fit(**kw),
         "keras.Model.fit (Keras' array pipeline)": lambda **kw: keras.Model.fit(model, **kw)}
times = {name: [] for name in forms}
steps = {name: [] for name in forms}
for name, fit in forms.items():  # compile both paths' functions
    fit(x=x[:512], batch_size=256, epochs=1, validation_data=(x_val,), verbose=0)
for _ in range(rounds):
    for name, fit in forms.items():
        timer = Steps()
        start = time.perf_counter()
        fit(x=x, batch_size=256, epochs=2, validation_data=(x_val,), verbose=0, callbacks=[timer])
        times[name].append(time.perf_counter() - start)
        steps[name].append(timer.seconds)
for name in forms:
    print(f"{name}: median {statistics.median(times[name]):.2f} s a call "
          f"({', '.join(f'{t:.2f}' for t in times[name])}); steps "
          f"{statistics.median(steps[name]):.2f} s ({', '.join(f'{t:.2f}' for t in steps[name])})",
          flush=True)
