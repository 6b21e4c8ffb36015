"""Per-layer time of the MNIST decoder as TensorFlow graphs without XLA (the scorer's mode), batch
256, median of 3 x 10 calls. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/decoder_layers.py
"""

import statistics
import time

import numpy as np
import tensorflow as tf

from lsa_keras import LSA


def timed(layer, x):
    fn = tf.function(lambda t: layer(t, training=False))
    y = fn(x)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(10):
            y = fn(x)
        _ = y.numpy()
        times.append((time.perf_counter() - start) / 10)
    return y, 1000 * statistics.median(times)


def main():
    model = LSA.from_architecture("mnist")
    x = tf.constant(np.random.rand(256, 64).astype("float32"))
    for layer in model.decoder.layers:
        y, ms = timed(layer, x)
        print(f"{layer.name:12s} {tuple(x.shape)} -> {tuple(y.shape)} {ms:.1f} ms", flush=True)
        x = y
    x = tf.constant(np.random.rand(256, 7, 7, 64).astype("float32"))
    for block in [l for l in model.decoder.layers if type(l).__name__ == "UpBlock"]:
        for part, seq in (("main", block.main), ("shortcut", block.shortcut)):
            t = x
            for sub in seq:
                o, ms = timed(sub, t)
                print(f"  {block.name}.{part}.{sub.name:14s} {tuple(t.shape)} -> {tuple(o.shape)} "
                      f"{ms:.1f} ms", flush=True)
                t = o
        x = block(x, training=False)


if __name__ == "__main__":
    main()
