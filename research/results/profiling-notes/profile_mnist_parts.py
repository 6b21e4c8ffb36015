import os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
m = LSA.from_architecture("mnist")
b = 128
x = tf.constant(np.random.rand(b, 28, 28, 1).astype("float32"))
z = tf.constant(np.random.rand(b, 64, 1).astype("float32"))
def timeit(f, n=10):
    f(); t = time.time()
    for _ in range(n): f()
    return (time.time() - t) / n * 1000
ae_vars = m.encoder.trainable_variables + m.decoder.trainable_variables
@tf.function(jit_compile=True)
def ae_step():
    with tf.GradientTape() as t:
        r = m.decoder(m.encoder(x, training=True), training=True)
        l = tf.reduce_mean(tf.reduce_sum(tf.square(r - x), [1, 2, 3]))
    return t.gradient(l, ae_vars)
@tf.function(jit_compile=True)
def est_step():
    with tf.GradientTape() as t:
        lo = m.estimator(z, training=True)
        l = tf.reduce_mean(lo)
    return t.gradient(l, m.estimator.trainable_variables)
@tf.function(jit_compile=True)
def est_fwd():
    return m.estimator(z)
print("ae train step ms", timeit(lambda: [g.numpy() for g in ae_step()][0]))
print("estimator train step ms", timeit(lambda: [g.numpy() for g in est_step()][0]))
print("estimator fwd ms", timeit(lambda: est_fwd().numpy()))
a = tf.random.uniform((b, 2048)); w = tf.random.uniform((2048, 2048))
mm = tf.function(lambda: tf.matmul(a, w), jit_compile=True)
print("one 128x2048x2048 matmul ms", timeit(lambda: mm().numpy(), 30), "GFLOP/s", 2*b*2048*2048/ (timeit(lambda: mm().numpy(), 30)/1000)/1e9)
