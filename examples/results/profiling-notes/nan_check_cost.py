"""What a per-batch callback hook costs: MNIST LSA training throughput with a callback that
overrides ``on_train_batch_end`` (doing nothing) against the default callbacks, alternating in
one process. TensorFlow backend with XLA, batch 256, 10 steps of random images per fit.

    python examples/results/profiling-notes/nan_check_cost.py

Measured 2026-11-29 on the 2-core CPU (another job paused): with the hook 249 / 249 samples/s,
without it 357 / 391 (the NaN check, ``StopOnNonFiniteLoss``, was moved to epoch end).
"""

import time

import keras
import numpy as np

from lsa_keras import LSA
from lsa_keras.callbacks import StopOnNonFiniteLoss


class PerBatchHook(StopOnNonFiniteLoss):
    def on_train_batch_end(self, batch, logs=None):
        pass


def main():
    x = np.random.RandomState(0).rand(2560, 28, 28, 1).astype("float32")
    model = LSA.from_architecture("mnist")
    model.compile()
    model.fit(x[:512], batch_size=256, epochs=1, verbose=0)  # compile
    for name, callbacks in (("per-batch hook", [PerBatchHook()]), ("default", None)) * 2:
        start = time.perf_counter()
        model.fit(x, batch_size=256, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
        print(f"{name}: {len(x) / (time.perf_counter() - start):.1f} samples/s", flush=True)


if __name__ == "__main__":
    main()
