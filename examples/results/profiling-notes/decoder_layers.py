"""Per-layer time of the MNIST decoder as TensorFlow graphs without XLA (the scorer's mode), batch
256, median of 3 x 10 calls. Run from the repository root:

    PYTHONPATH=. python examples/results/profiling-notes/decoder_layers.py
"""
import time, statistics, numpy as np, tensorflow as tf, keras
from lsa_keras import LSA
m = LSA.from_architecture("mnist")
z = np.random.rand(256, 64).astype("float32")
x = tf.constant(z)
for layer in m.decoder.layers:
    f = tf.function(lambda t, l=layer: l(t, training=False))
    y = f(x)
    ts = []
    for _ in range(3):
        s = time.perf_counter()
        for _ in range(10): y = f(x)
        _ = y.numpy(); ts.append((time.perf_counter() - s) / 10)
    print(f"{layer.name:12s} {type(layer).__name__:16s} {tuple(x.shape)} -> {tuple(y.shape)} {1000*statistics.median(ts):.1f} ms", flush=True)
    x = y
# inside up1: main and shortcut pieces
up = [l for l in m.decoder.layers if type(l).__name__ == "UpBlock"]
x = tf.constant(np.random.rand(256, 7, 7, 64).astype("float32"))
for blk in up:
    for part, seq in (("main", blk.main), ("shortcut", blk.shortcut)):
        for sub in seq:
            f = tf.function(lambda a, l=sub: l(a, training=False))
            o = f(t); ts = []
            for _ in range(3):
                s = time.perf_counter()
                for _ in range(10): o = f(t)
                _ = o.numpy(); ts.append((time.perf_counter() - s) / 10)
            print(f"  {blk.name}.{part}.{sub.name:12s} {tuple(t.shape)} -> {tuple(o.shape)} {1000*statistics.median(ts):.1f} ms", flush=True)
            t = o
    x = blk(x, training=False)
