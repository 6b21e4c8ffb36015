"""Bisecting the oneDNN heap corruption by model part (TensorFlow 2.21, training without XLA,
batch 25). Run from the repository root, one fresh process per case:

    PYTHONPATH=. python examples/results/profiling-notes/crash_bisect_parts.py estimator|autoencoder|encoder|decoder
"""
import sys

import keras
import numpy as np
from keras import ops

from lsa_keras import LSA
from lsa_keras.losses import quantize
from lsa_keras.models.lsa.lsa_networks import mfc_estimator

part = sys.argv[1]
rs = np.random.RandomState(0)
if part == "estimator":
    net = mfc_estimator(64, 100, (32, 32, 32, 32))
    z = rs.rand(500, 64, 1).astype("float32")
    a, b = z, ops.convert_to_numpy(quantize(z[..., 0], 100))
    loss, epochs = keras.losses.SparseCategoricalCrossentropy(from_logits=True), 6
else:
    m = LSA.from_architecture("mnist")
    x = rs.rand(500, 28, 28, 1).astype("float32")
    z = rs.rand(500, 64).astype("float32")
    if part == "autoencoder":  # as run: the shipped sample's digit 3, like the crash hunt
        from lsa_keras.datasets import load_mnist_sample
        from lsa_keras.utils.preprocessing import to_model_input

        data = load_mnist_sample()
        real = to_model_input(data["x_train"][data["y_train"] == 3])
        net, a, b = keras.Sequential([m.encoder, m.decoder]), real, real
    else:
        net, a, b = {"encoder": (m.encoder, x, z), "decoder": (m.decoder, z, x)}[part]
    loss, epochs = "mse", 4
net.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss, jit_compile=False)
net.fit(a, b, batch_size=25, epochs=epochs, verbose=0)
print("ok", part, flush=True)
