"""The down blocks' shortcut subsampling ``x[:, ::2, ::2, :]`` as TensorFlow's strided slice
against a reshape and a slice of unit strides (``lsa_keras.layers.blocks.subsample``), at the
MNIST and CIFAR-10 shortcut shapes, batch 256: forward and with gradients, medians of 30
alternated calls in one process. Run from a folder outside the checkout:

    python /work/main/examples/results/profiling-notes/subsample.py
"""
import time, numpy as np, tensorflow as tf
def strided(x): return x[:, ::2, ::2, :]
def reshaped(x):
    b, h, w, c = x.shape
    return tf.reshape(tf.reshape(x, (-1, h // 2, 2, w // 2, 2 * c))[:, :, 0, :, :c], (-1, h // 2, w // 2, c))
for shape in [(256, 28, 28, 1), (256, 14, 14, 32), (256, 32, 32, 3), (256, 16, 16, 32), (256, 8, 8, 64)]:
    x = tf.constant(np.random.rand(*shape).astype("float32"))
    fs = {n: tf.function(f) for n, f in [("strided", strided), ("reshaped", reshaped)]}
    gs = {}
    for n, f in [("strided", strided), ("reshaped", reshaped)]:
        def g(x, f=f):
            with tf.GradientTape() as t:
                t.watch(x); y = f(x); l = tf.reduce_sum(y * y)
            return t.gradient(l, x)
        gs[n] = tf.function(g)
    assert np.array_equal(fs["strided"](x).numpy(), fs["reshaped"](x).numpy())
    assert np.array_equal(gs["strided"](x).numpy(), gs["reshaped"](x).numpy())
    res = {}
    for kind, d in (("fwd", fs), ("grad", gs)):
        for n, f in d.items():
            f(x)
        ts = {n: [] for n in d}
        for _ in range(30):
            for n, f in d.items():
                t = time.perf_counter(); f(x).numpy(); ts[n].append(time.perf_counter() - t)
        res[kind] = " / ".join("%s %.2f ms" % (n, 1e3 * np.median(v)) for n, v in ts.items())
    print(shape, res)
