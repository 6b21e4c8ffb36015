"""Where scoring time goes: the MNIST model's parts as TensorFlow graphs without XLA (as the
scorer runs), batch 256, each timed 3 times in one process, medians. Run from the repository
root:

    PYTHONPATH=. python examples/results/profiling-notes/score_parts.py
"""

import statistics
import time

import numpy as np
import tensorflow as tf

from lsa_keras import LSA
from lsa_keras.losses import per_sample_losses


def main(batch=256, n=2560):
    model = LSA.from_architecture("mnist")
    x = np.random.RandomState(0).rand(n, 28, 28, 1).astype("float32")
    z = model.encoder(x[:batch], training=False)
    parts = {
        "encoder": tf.function(lambda b: model.encoder(b, training=False)),
        "decoder": tf.function(lambda c: model.decoder(c, training=False)),
        "estimator": tf.function(lambda c: model.estimator(c, training=False)),
        "whole scorer": tf.function(lambda b: per_sample_losses(b, model(b, training=False))),
    }
    inputs = {"encoder": x, "whole scorer": x}
    codes = np.concatenate([np.asarray(z)] * (n // batch))
    for name, fn in parts.items():
        data = inputs.get(name, codes)
        fn(data[:batch])
        times = []
        for _ in range(3):
            start = time.perf_counter()
            for i in range(0, n, batch):
                fn(data[i:i + batch])
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        print(f"{name}: {n / t:.0f} samples/s ({1000 * t * batch / n:.1f} ms per batch of {batch})",
              flush=True)


if __name__ == "__main__":
    main()
