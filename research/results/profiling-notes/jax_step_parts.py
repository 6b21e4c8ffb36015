"""The MNIST train step at batch 128 under JAX (XLA on the CPU), taken apart as
``xla_step_parts.py`` takes TensorFlow's: the autoencoder's forward and gradients alone
(squared reconstruction error), the estimator's alone (on a random code), then the model's
whole train function as ``fit`` runs it (Adam included), ms a step, two rounds. With
``--no-batch-norm`` every batch normalisation is the identity (to see its share).

    PYTHONPATH=. python research/results/profiling-notes/jax_step_parts.py [--no-batch-norm]
"""
import os, time, statistics
os.environ["KERAS_BACKEND"] = "jax"
import numpy as np, jax, jax.numpy as jnp, keras
from lsa_keras.models import LSA
import sys
if "--no-batch-norm" in sys.argv[1:]:
    from lsa_keras.layers.batch_norm import BatchNorm
    BatchNorm.call = lambda self, inputs, training=None, mask=None: inputs
B = 128
keras.utils.set_random_seed(0)
m = LSA.from_architecture("mnist")
m.compile(optimizer=keras.optimizers.Adam(1e-5), jit_compile=True)
x = np.random.RandomState(0).rand(B, 28, 28, 1).astype("float32")
z = np.random.RandomState(1).rand(B, 64, 1).astype("float32")
def timeit(f, n=10):
    f(); r = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n): v = f()
        jax.block_until_ready(v); r.append((time.perf_counter() - t) / n * 1000)
    return statistics.median(r)
# full train step through fit's function
m.optimizer.build(m.trainable_variables); m.make_train_function()
state = (m.trainable_variables, m.non_trainable_variables, m.optimizer.variables, m.metrics_variables)
state = tuple([jnp.array(v.value, copy=True) for v in s] for s in state)
def full():
    global state
    logs, state = m.train_function(state, iter([(x,)]))
    return logs
def ae_part(enc, dec):
    def loss(tv, ntv, xx):
        h, ntv1 = enc.stateless_call(tv[0], ntv[0], xx, training=True)
        r, ntv2 = dec.stateless_call(tv[1], ntv[1], h, training=True)
        return jnp.mean(jnp.sum((r - xx) ** 2, axis=(1, 2, 3)))
    g = jax.jit(jax.grad(loss))
    tv = ([jnp.array(v.value, copy=True) for v in enc.trainable_variables], [jnp.array(v.value, copy=True) for v in dec.trainable_variables])
    ntv = ([jnp.array(v.value, copy=True) for v in enc.non_trainable_variables], [jnp.array(v.value, copy=True) for v in dec.non_trainable_variables])
    return lambda: g(tv, ntv, x)
def est_part(est):
    def loss(tv, ntv, zz):
        o, _ = est.stateless_call(tv, ntv, zz, training=True)
        return jnp.mean(o)
    g = jax.jit(jax.grad(loss))
    tv = [jnp.array(v.value, copy=True) for v in est.trainable_variables]; ntv = [jnp.array(v.value, copy=True) for v in est.non_trainable_variables]
    return lambda: g(tv, ntv, z)
ae, est = ae_part(m.encoder, m.decoder), est_part(m.estimator)
for _ in range(2):
    print(f"ae {timeit(ae):.1f}  est {timeit(est):.1f}  full {timeit(full):.1f} ms", flush=True)
