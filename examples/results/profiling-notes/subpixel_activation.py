"""The up blocks' first convolution in inference: sub-pixel convolution, interleave, then the
batch-norm shift and LeakyReLU (as before) against the shift and LeakyReLU applied before the
interleave (``subpixel_upsampling(x, k, shift, activation)``), where TensorFlow fuses them into
the convolution. MNIST and CIFAR-10 up-block shapes, batch 256, medians of 30 alternated calls
in one process (each call reduced to a sum, so no copy out). Run from outside the checkout:

    python /work/main/examples/results/profiling-notes/subpixel_activation.py
"""
import time, numpy as np, tensorflow as tf
from lsa_keras.layers.folding import subpixel_upsampling

leaky = lambda y: tf.nn.leaky_relu(y, 0.01)
after = lambda x, k, s: tf.reduce_sum(leaky(subpixel_upsampling(x, k) + s))
before = lambda x, k, s: tf.reduce_sum(subpixel_upsampling(x, k, s, leaky))
for h, ci, co in [(7, 64, 32), (14, 32, 16), (4, 256, 128), (8, 128, 64), (16, 64, 32)]:
    rng = np.random.RandomState(0)
    x = tf.constant(rng.rand(256, h, h, ci).astype("float32"))
    k = tf.constant(rng.randn(5, 5, co, ci).astype("float32") * 0.1)
    s = tf.constant(rng.randn(co).astype("float32"))
    fs = {"interleave then shift+act": tf.function(after), "shift+act then interleave": tf.function(before)}
    np.testing.assert_allclose(
        tf.function(lambda x, k, s: leaky(subpixel_upsampling(x, k) + s))(x, k, s).numpy(),
        tf.function(lambda x, k, s: subpixel_upsampling(x, k, s, leaky))(x, k, s).numpy(), rtol=1e-5, atol=1e-5)
    ts = {n: [] for n in fs}
    for _ in range(30):
        for n, f in fs.items():
            t = time.perf_counter(); f(x, k, s).numpy(); ts[n].append(time.perf_counter() - t)
    print((h, ci, co), " / ".join("%s %.2f ms" % (n, 1e3 * np.median(v)) for n, v in ts.items()))
