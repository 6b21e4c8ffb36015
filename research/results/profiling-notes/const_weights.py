"""TensorFlow matmul (256, K) @ (K, N) with the weight a tf.Variable against a tf.constant
(oneDNN could cache a constant's reordered layout), 40 alternated calls:

    python examples/results/profiling-notes/const_weights.py
"""
import time, numpy as np, tensorflow as tf
rng = np.random.RandomState(0)
x = tf.constant(rng.rand(256, 2048).astype("float32"))
for k, n in [(2048, 800), (1024, 800), (2048, 256), (512, 256)]:
    w = rng.rand(k, n).astype("float32")
    v = tf.Variable(w); c = tf.constant(w)
    fs = {"variable": tf.function(lambda: tf.reduce_sum(tf.matmul(x[:, :k], v))),
          "constant": tf.function(lambda: tf.reduce_sum(tf.matmul(x[:, :k], c)))}
    for f in fs.values(): f()
    ts = {n_: [] for n_ in fs}
    for _ in range(40):
        for n_, f in fs.items():
            t = time.perf_counter(); f().numpy(); ts[n_].append(time.perf_counter() - t)
    fl = 2 * 256 * k * n
    print((k, n), " / ".join("%s %.2f ms %.0f GFLOP/s" % (n_, 1e3 * np.median(t_), fl / np.median(t_) / 1e9) for n_, t_ in ts.items()))
