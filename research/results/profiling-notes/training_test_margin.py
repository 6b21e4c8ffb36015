"""How many epochs does tests/models/lsa/test_lsa_trainer.py's real-digit test need? Its setting (the 500 digit-3 images of the
shipped MNIST sample, MNIST model, Adam 1e-3, batch 25, global seed 1234 as in tests/conftest.py),
16 epochs, printing each epoch's validation loss, REC and LLK as fractions of their values
before training (the test requires REC < 0.5, LLK < 1 and loss < 0.7). Run from the
repository root:

    PYTHONPATH=. python research/results/profiling-notes/training_test_margin.py

Measured 2026-11-29 on the 2-core CPU, training job alongside: loss 0.789 after epoch 1, 0.699
after 4, 0.667 after 6, 0.659 after 10, 0.646 after 16; REC 0.274 and LLK 0.778 after 10.
The test then ran 10 epochs (200 steps) instead of 16.

Measured again 2026-12-06 (AMD EPYC family 23 model 49, 2 cores, shared with other jobs;
``main(6)``): loss 0.789, 0.763, 0.736, 0.703, 0.687, 0.674 after epochs 1-6; REC 0.323 and LLK
0.799 after 5. The test now runs 5 epochs (100 steps) with limits REC < 0.4, LLK < 0.9 and
loss < 0.75.
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
