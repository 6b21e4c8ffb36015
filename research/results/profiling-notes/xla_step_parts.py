"""MNIST train step at batch 128 (XLA unless JIT=0): the model's whole train function, the autoencoder's and the estimator's forward and gradient alone, and the process's CPU seconds per wall second. G sets the masked layers' evaluation_groups.

    PYTHONPATH=. python research/results/profiling-notes/xla_step_parts.py"""
import functools, os, time, sys, statistics
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
import numpy as np, tensorflow as tf, keras
from lsa_keras.models import LSA
B = int(os.environ.get("BATCH", 128)); JIT = os.environ.get("JIT", "1") == "1"
keras.utils.set_random_seed(0)
from lsa_keras.layers.autoregressive_layer import AutoregressiveLayer
AutoregressiveLayer.evaluation_groups = int(os.environ.get("G", 8))
m = LSA.from_architecture("mnist")
m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=JIT)
x = np.random.RandomState(0).rand(B, 28, 28, 1).astype("float32")
ones = iter(tf.data.Dataset.from_tensors(tf.constant(x)).repeat())
m.make_train_function(); m.train_function(ones)
def dense(g): return tf.convert_to_tensor(g)
ae_vars = m.encoder.trainable_variables + m.decoder.trainable_variables
xt = tf.constant(x); z = tf.constant(np.random.rand(B, 64, 1).astype("float32"))
@tf.function(jit_compile=JIT)
def ae_step():
    with tf.GradientTape() as t:
        r = m.decoder(m.encoder(xt, training=True), training=True)
        l = tf.reduce_mean(tf.reduce_sum(tf.square(r - xt), [1, 2, 3]))
    return [tf.reduce_sum(dense(g)) for g in t.gradient(l, ae_vars)]
@tf.function(jit_compile=JIT)
def est_step():
    with tf.GradientTape() as t:
        l = tf.reduce_mean(m.estimator(z, training=True))
    return [tf.reduce_sum(dense(g)) for g in t.gradient(l, m.estimator.trainable_variables)]
def full():
    logs = m.train_function(ones); return logs["loss"]
from step_timing import median_ms
timeit = functools.partial(median_ms, n=12)
for rnd in range(2):
    print(rnd, f"full {timeit(full):.1f}  ae {timeit(ae_step):.1f}  est {timeit(est_step):.1f} ms", flush=True)
import resource
def cpu(): r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
for f, name in ((full, "full"), (ae_step, "ae"), (est_step, "est")):
    c0 = cpu(); t0 = time.perf_counter(); timeit(f, n=10, r=1); print(name, "cpu/wall", round((cpu() - c0) / (time.perf_counter() - t0), 2))
