"""How many epochs does tests/test_training.py need? Its setting (the 500 digit-3 images of the
shipped MNIST sample, MNIST model, Adam 1e-3, batch 25, global seed 1234 as in tests/conftest.py),
16 epochs, printing each epoch's validation loss, REC and LLK as fractions of their values
before training (the test requires REC < 0.5, LLK < 1 and loss < 0.7). Run from the
repository root:

    PYTHONPATH=. python examples/results/profiling-notes/training_test_margin.py

Measured 2026-11-29 on the 2-core CPU, training job alongside: loss 0.789 after epoch 1, 0.699
after 4, 0.667 after 6, 0.659 after 10, 0.646 after 16; REC 0.274 and LLK 0.778 after 10.
The test now runs 10 epochs (200 steps) instead of 16.
"""

import keras
import numpy as np

from lsa_keras import LSA
from lsa_keras.datasets import load_mnist_sample
from lsa_keras.utils.preprocessing import to_model_input


def main(epochs=16):
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    data = load_mnist_sample()
    x = to_model_input(data["x_train"][data["y_train"] == 3])
    x_val = to_model_input(data["x_val"][data["y_val"] == 3])
    model = LSA.from_architecture("mnist")
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    before = model.evaluate(x_val, batch_size=100, verbose=0, return_dict=True)
    history = model.fit(x, batch_size=25, epochs=epochs, verbose=0, shuffle=True,
                        validation_data=(x_val,), validation_batch_size=100).history
    for e in range(epochs):
        print(e + 1, {k: round(history["val_" + k][e] / before[k], 3) for k in ("loss", "rec", "llk")})


if __name__ == "__main__":
    main()
