"""Run from the repository root: PYTHONPATH=. python examples/results/profiling-notes/estimator_layout.py

Prototype: estimator (MFC 1->32A, 3x 32->32B, 32->100B, d=64) with (a) free blocks gathered
into slabs per call vs (b) per-group off-diagonal dense variables + small diagonal scatters."""
import statistics, time, numpy as np, tensorflow as tf
from lsa_keras.layers import masks
d, G, B = 64, 8, 256
specs = [(1, 32, "A"), (32, 32, "B"), (32, 32, "B"), (32, 32, "B"), (32, 100, "B")]
rng = np.random.RandomState(0)
bounds = masks.group_bounds(d, G)

class Gathered:
    def __init__(s, ci, co, t):
        s.ci, s.co = ci, co
        s.pairs = masks.free_pairs(d, t)
        s.slabs = masks.triangular_slabs(s.pairs, d, bounds)
        s.w = tf.Variable(rng.uniform(-.05, .05, (len(s.pairs), ci, co)).astype("float32"))
        s.b = tf.Variable(np.zeros((d * co,), "float32"))
    def __call__(s, x):
        padded = tf.concat([s.w, tf.zeros((1, s.ci, s.co))], 0)
        outs = [tf.matmul(x[:, :hi * s.ci], masks.gather_slab(padded, idx)) for _, hi, idx in s.slabs]
        return tf.concat(outs, -1) + s.b
    vars = property(lambda s: [s.w, s.b])

class Split:
    def __init__(s, ci, co, t):
        s.ci, s.co = ci, co
        s.groups = []
        k = 1 if t == "A" else 0
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            g = hi - lo
            off = tf.Variable(rng.uniform(-.05, .05, (lo * ci, g * co)).astype("float32")) if lo else None
            i, j = np.triu_indices(g, k=k)
            pairs = np.stack([i, j], 1).astype("int32")
            diag = tf.Variable(rng.uniform(-.05, .05, (len(pairs), ci, co)).astype("float32"))
            s.groups.append((lo, hi, off, diag, pairs))
        s.b = tf.Variable(np.zeros((d * co,), "float32"))
    def __call__(s, x):
        outs = []
        for lo, hi, off, diag, pairs in s.groups:
            g = hi - lo
            dk = masks.scatter_blocks(diag, pairs, g)
            y = tf.matmul(x[:, lo * s.ci:hi * s.ci], dk)
            if off is not None:
                y = y + tf.matmul(x[:, :lo * s.ci], off)
            outs.append(y)
        return tf.concat(outs, -1) + s.b
    @property
    def vars(s):
        v = [s.b]
        for g in s.groups:
            v += [g[3]] + ([g[2]] if g[2] is not None else [])
        return v

def net(kind):
    layers = [kind(*sp) for sp in specs]
    def f(z):
        h = z
        for n, l in enumerate(layers):
            h = l(h)
            if n < len(layers) - 1:
                h = tf.nn.leaky_relu(h, 0.01)
        return tf.reduce_sum(h ** 2)
    vs = [v for l in layers for v in l.vars]
    fwd = tf.function(f)
    def step(z):
        with tf.GradientTape() as tape:
            loss = f(z)
        gs = tape.gradient(loss, vs)
        return [tf.reduce_sum(g) for g in gs]
    return fwd, tf.function(step, jit_compile=True), tf.function(step)

z = tf.constant(rng.rand(B, d).astype("float32"))
fns = {k: net(c) for k, c in (("gathered", Gathered), ("split", Split))}
def t(fn, reps=10):
    fn(z)
    ts = []
    for _ in range(3):
        s = time.perf_counter()
        for _ in range(reps): fn(z)
        ts.append((time.perf_counter() - s) / reps * 1000)
    return statistics.median(ts)
for rnd in range(2):
    for k, (fwd, stepx, step) in fns.items():
        print(rnd, k, f"forward {t(fwd):.1f} ms  train-step XLA {t(stepx):.1f} ms  train-step graph {t(step):.1f} ms", flush=True)
