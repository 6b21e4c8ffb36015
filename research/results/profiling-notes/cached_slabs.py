"""Scorer parts of the MNIST model as TensorFlow graphs (batch 256, 2,560 random images, medians of 3),
then the estimator with its masked kernels precomputed once as constants (slabs, and the dense
masked matrix) instead of gathered from the free blocks at every call. Run from the repository
root, background jobs paused:

    PYTHONPATH=. python examples/results/profiling-notes/cached_slabs.py
"""
import statistics, time
import numpy as np
import tensorflow as tf
from lsa_keras import LSA
from lsa_keras.losses import per_sample_losses
from lsa_keras.layers import autoregressive, masks

batch, n = 256, 2560
model = LSA.from_architecture("mnist")
x = np.random.RandomState(0).rand(n, 28, 28, 1).astype("float32")
codes = np.concatenate([np.asarray(model.encoder(x[:batch], training=False))] * (n // batch))

def timeit(name, fn, data):
    fn(data[:batch])
    ts = []
    for _ in range(3):
        s = time.perf_counter()
        for i in range(0, n, batch):
            fn(data[i:i+batch])
        ts.append(time.perf_counter() - s)
    t = statistics.median(ts)
    print(f"{name}: {n/t:.0f} samples/s ({1000*t*batch/n:.1f} ms/batch) runs {[round(n/u) for u in ts]}", flush=True)

whole = tf.function(lambda b: per_sample_losses(b, model(b, training=False)))
enc = tf.function(lambda b: model.encoder(b, training=False))
dec = tf.function(lambda c: model.decoder(c, training=False))
est = tf.function(lambda c: model.estimator(c, training=False))
timeit("whole", whole, x); timeit("encoder", enc, x); timeit("decoder", dec, codes); timeit("estimator", est, codes)

orig = autoregressive.AutoregressiveLayer._masked_matmul
def cached(self, xx, blocks):
    c = self.__dict__.get("_slab_cache")
    if c is None:
        with tf.init_scope():
            b = blocks.numpy()
            padded = np.concatenate([b, np.zeros((1, *b.shape[1:]), b.dtype)], 0)
            c = [(hi, tf.constant(np.asarray(masks.gather_slab(padded, idx)))) for _, hi, idx in self._slabs]
        self.__dict__["_slab_cache"] = c
    ci = self.input_channels
    return tf.concat([tf.matmul(xx[..., :hi*ci], s) for hi, s in c], -1)
autoregressive.AutoregressiveLayer._masked_matmul = cached
est2 = tf.function(lambda c: model.estimator(c, training=False))
whole2 = tf.function(lambda b: per_sample_losses(b, model(b, training=False)))
timeit("estimator cached slabs", est2, codes); timeit("whole cached slabs", whole2, x)
# dense masked constant
def dense(self, xx, blocks):
    c = self.__dict__.get("_dense_cache")
    if c is None:
        with tf.init_scope():
            c = tf.constant(np.asarray(masks.scatter_blocks(blocks.numpy(), self._pairs, self.code_length)))
        self.__dict__["_dense_cache"] = c
    return tf.matmul(xx, c)
autoregressive.AutoregressiveLayer._masked_matmul = dense
est3 = tf.function(lambda c: model.estimator(c, training=False))
timeit("estimator dense const", est3, codes)
autoregressive.AutoregressiveLayer._masked_matmul = orig
timeit("estimator again", tf.function(lambda c: model.estimator(c, training=False)), codes)
