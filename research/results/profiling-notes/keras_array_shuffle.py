"""Which images open each batch of a 3-epoch ``fit`` on 8 arrays in batches of 2, after
``keras.utils.set_random_seed(0)``: through Keras' own pipeline for arrays
(``keras.Model.fit``) and through ``LSA.fit``'s (``fit_input.training_batches``), the model
being a stand-in whose train step reports its batch's first image.

    python research/results/profiling-notes/keras_array_shuffle.py
"""
from lsa_keras.utils.tensorflow_settings import choose_tensorflow_settings

choose_tensorflow_settings()
import keras  # noqa: E402
import numpy as np  # noqa: E402

from lsa_keras.utils.fit_input import training_batches  # noqa: E402


class FirstImage(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return {"first": x[0, 0]}


def firsts(fit_input):
    keras.utils.set_random_seed(0)
    model = FirstImage()
    model.compile()
    model(np.zeros((1, 1)))
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(int(logs["first"])))
    model.fit(**fit_input, epochs=3, verbose=0, callbacks=[record])
    return [seen[i:i + 4] for i in range(0, len(seen), 4)]


x = np.arange(8, dtype="float32").reshape(8, 1)
print("Keras' pipeline for arrays, epoch by epoch:", firsts({"x": x, "batch_size": 2, "shuffle": True}))
print("training_batches, epoch by epoch:", firsts({"x": training_batches(x, 2), "shuffle": False}))
