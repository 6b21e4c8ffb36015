"""The MNIST model's one-channel convolutions under XLA at batch 128, with gradients: the 1x1 output conv (16 -> 1), the first down block's strided 3x3 conv (1 -> 32) and its 1x1 shortcut, against matrix-product and broadcast forms.

    python research/results/profiling-notes/thin_convs.py"""
import functools, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2"); os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, tensorflow as tf
from step_timing import median_ms
timeit = functools.partial(median_ms, n=30)
rng = np.random.RandomState(0)
B = 128
def run(name, fn, x, k, w, wrt_x):
    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as t:
            t.watch(x); y = fn(x, k); l = tf.reduce_sum(y * w)
        return [l] + t.gradient(l, [k] + ([x] if wrt_x else []))
    r = [a.numpy() for a in step()]
    print(f"{name:28s} {timeit(step):6.2f} ms", flush=True)
    return r
def cmp(a, b): return [float(np.max(np.abs(p - q)) / (np.max(np.abs(q)) + 1e-9)) for p, q in zip(a, b)]

# (a) output 1x1 conv 16 -> 1
x = tf.constant(rng.randn(B, 28, 28, 16).astype("float32")); k = tf.Variable(rng.randn(1, 1, 16, 1).astype("float32"))
w = tf.constant(rng.randn(B, 28, 28, 1).astype("float32"))
r0 = run("out conv2d", lambda x, k: tf.nn.conv2d(x, k, 1, "VALID"), x, k, w, True)
r1 = run("out mul+sum", lambda x, k: tf.reduce_sum(x * k[0, 0, :, 0], -1, keepdims=True), x, k, w, True)
r2 = run("out matmul", lambda x, k: tf.reshape(tf.matmul(tf.reshape(x, (-1, 16)), k[0, 0]), (B, 28, 28, 1)), x, k, w, True)
print("  err", cmp(r1, r0), cmp(r2, r0))
# (b) down1 conv1: pad 1, 3x3 stride 2, 1 -> 32
x = tf.constant(rng.rand(B, 28, 28, 1).astype("float32")); k = tf.Variable(rng.randn(3, 3, 1, 32).astype("float32"))
w = tf.constant(rng.randn(B, 14, 14, 32).astype("float32"))
def c1(x, k): return tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), k, 2, "VALID")
def taps(x):
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])  # 30x30; output i reads rows 2i..2i+2
    return [xp[:, i:i + 28:2, j:j + 28:2, :] for i in range(3) for j in range(3)]
def c1_mm(x, k):
    p = tf.concat(taps(x), -1)  # (B,14,14,9)
    return tf.reshape(tf.matmul(tf.reshape(p, (-1, 9)), tf.reshape(k, (9, 32))), (B, 14, 14, 32))
def c1_bcast(x, k):
    kk = tf.reshape(k, (9, 32))
    return tf.add_n([t * kk[i] for i, t in enumerate(taps(x))])
r0 = run("down1.conv1 conv2d", c1, x, k, w, False)
r1 = run("down1.conv1 im2col mm", c1_mm, x, k, w, False)
r2 = run("down1.conv1 broadcast", c1_bcast, x, k, w, False)
print("  err", cmp(r1, r0), cmp(r2, r0))
# (c) shortcut: subsample, 1x1 conv 1 -> 32
k = tf.Variable(rng.randn(1, 1, 1, 32).astype("float32"))
def s0(x, k): return tf.nn.conv2d(x[:, ::2, ::2, :], k, 1, "VALID")
def s1(x, k): return x[:, ::2, ::2, :] * k[0, 0, 0]
r0 = run("shortcut conv2d", s0, x, k, w, False)
r1 = run("shortcut broadcast", s1, x, k, w, False)
print("  err", cmp(r1, r0))
