"""Does TensorFlow training without XLA abort (heap corruption) on this CPU? Trains the MNIST
model on the shipped MNIST sample (digit 3, batch 25, as tests/test_training.py) without XLA
in a fresh process, RUNS times, and prints each process's exit status. Run from the
repository root:

    PYTHONPATH=. python examples/results/profiling-notes/nonxla_crash_hunt.py [runs] [epochs] [arch]

``TF_ENABLE_ONEDNN_OPTS`` and other environment variables pass through to the children.
"""

import os
import subprocess
import sys
import time

CHILD = """
import keras
import numpy as np
from lsa_keras import LSA
from lsa_keras.datasets import load_mnist_sample
from lsa_keras.utils.preprocessing import to_model_input
arch, epochs = {arch!r}, {epochs}
model = LSA.from_architecture(arch)
if arch == "mnist":
    data = load_mnist_sample()
    x = to_model_input(data["x_train"][data["y_train"] == 3])
else:
    x = np.random.RandomState(0).rand(500, *model.image_shape).astype("float32")
model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
h = model.fit(x, batch_size=25, epochs=epochs, verbose=0, shuffle=True)
print("loss", h.history["loss"][-1], flush=True)
"""


def main(runs=6, epochs=4, arch="mnist"):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for i in range(runs):
        start = time.time()
        p = subprocess.run([sys.executable, "-c", CHILD.format(arch=arch, epochs=epochs)],
                           env=env, capture_output=True, text=True)
        tail = [l for l in (p.stdout or p.stderr).splitlines() if l.strip()][-1:]
        print(f"run {i}: rc {p.returncode} in {time.time() - start:.0f} s; last line: {tail}",
              flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 6, int(args[1]) if len(args) > 1 else 4,
         args[2] if len(args) > 2 else "mnist")
